ALTER TABLE `usage_events` ADD `usage_source` text DEFAULT 'none' NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_events` ADD `cost_detail` text;