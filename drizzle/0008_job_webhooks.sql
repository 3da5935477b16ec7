CREATE TABLE `job_webhooks` (
	`job_id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`delivered_at` integer,
	`gave_up_at` integer,
	`last_result` text
);
--> statement-breakpoint
CREATE INDEX `job_webhooks_due_idx` ON `job_webhooks` (`next_attempt_at`);--> statement-breakpoint
ALTER TABLE `orgs` ADD `webhook_url` text;--> statement-breakpoint
ALTER TABLE `orgs` ADD `webhook_secret` text;--> statement-breakpoint
ALTER TABLE `orgs` ADD `webhook_key_id` text;