CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`provider_job_id` text NOT NULL,
	`org_id` text NOT NULL,
	`key_id` text NOT NULL,
	`request_id` text NOT NULL,
	`model` text,
	`kind` text NOT NULL,
	`create_path` text NOT NULL,
	`upstream_base` text NOT NULL,
	`credential_ref` text NOT NULL,
	`params` text NOT NULL,
	`status` text NOT NULL,
	`raw_status` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer,
	`result_expires_at` integer,
	`reserved_micros` integer,
	`cost_micros` integer,
	`cost_status` text,
	`raw_usage` text,
	`results_path` text,
	`settled_at` integer,
	`next_poll_at` integer,
	`poll_attempts` integer DEFAULT 0 NOT NULL,
	`poll_errors` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_provider_job_idx` ON `jobs` (`provider`,`provider_job_id`);--> statement-breakpoint
CREATE INDEX `jobs_org_idx` ON `jobs` (`org_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `jobs_next_poll_idx` ON `jobs` (`next_poll_at`);--> statement-breakpoint
CREATE TABLE `leases` (
	`name` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`expires_at` integer NOT NULL
);
