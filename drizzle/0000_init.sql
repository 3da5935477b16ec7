CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`display_prefix` text NOT NULL,
	`last4` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`models` text DEFAULT '["*"]' NOT NULL,
	`expires_at` integer,
	`stream_usage` text,
	`budget_micros` integer,
	`budget_period` text,
	`budget_soft_percent` integer,
	`rpm` integer,
	`tpm` integer,
	`max_concurrency` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`last_used_at` integer,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash_unique` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_updated_idx` ON `api_keys` (`updated_at`);--> statement-breakpoint
CREATE INDEX `api_keys_org_idx` ON `api_keys` (`org_id`);--> statement-breakpoint
CREATE TABLE `orgs` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`time_zone` text DEFAULT 'UTC' NOT NULL,
	`stream_usage` text DEFAULT 'estimate' NOT NULL,
	`budget_micros` integer,
	`budget_period` text,
	`budget_soft_percent` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orgs_name_unique` ON `orgs` (`name`);--> statement-breakpoint
CREATE TABLE `price_overrides` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text,
	`provider` text NOT NULL,
	`model_pattern` text NOT NULL,
	`prices` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `provider_credentials` (
	`provider` text PRIMARY KEY NOT NULL,
	`sealed` text NOT NULL,
	`key_id` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `usage_events` (
	`request_id` text PRIMARY KEY NOT NULL,
	`started_at` integer NOT NULL,
	`org_id` text NOT NULL,
	`key_id` text NOT NULL,
	`provider` text NOT NULL,
	`model` text,
	`endpoint` text NOT NULL,
	`method` text NOT NULL,
	`status` integer NOT NULL,
	`streamed` integer NOT NULL,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	`cache_read_tokens` integer DEFAULT 0 NOT NULL,
	`cache_write_tokens` integer DEFAULT 0 NOT NULL,
	`reasoning_tokens` integer DEFAULT 0 NOT NULL,
	`images` integer,
	`video_seconds` integer,
	`audio_seconds` integer,
	`cost_micros` integer,
	`cost_status` text NOT NULL,
	`price_source` text,
	`ended_by` text NOT NULL,
	`partial` integer DEFAULT false NOT NULL,
	`ttfb_ms` integer,
	`duration_ms` integer NOT NULL,
	`user` text,
	`tags` text,
	`raw_usage` text
);
--> statement-breakpoint
CREATE INDEX `usage_org_time_idx` ON `usage_events` (`org_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `usage_key_time_idx` ON `usage_events` (`key_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `usage_model_time_idx` ON `usage_events` (`model`,`started_at`);--> statement-breakpoint
CREATE TABLE `usage_rollups` (
	`grain` text NOT NULL,
	`bucket_start` integer NOT NULL,
	`org_id` text NOT NULL,
	`key_id` text NOT NULL,
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	`cache_read_tokens` integer DEFAULT 0 NOT NULL,
	`cache_write_tokens` integer DEFAULT 0 NOT NULL,
	`reasoning_tokens` integer DEFAULT 0 NOT NULL,
	`cost_micros` integer DEFAULT 0 NOT NULL,
	`unpriced_requests` integer DEFAULT 0 NOT NULL,
	`estimated_requests` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`grain`, `bucket_start`, `org_id`, `key_id`, `provider`, `model`)
);
--> statement-breakpoint
CREATE INDEX `rollup_org_idx` ON `usage_rollups` (`org_id`,`grain`,`bucket_start`);