DROP INDEX `usage_model_time_idx`;--> statement-breakpoint
CREATE INDEX `usage_time_idx` ON `usage_events` (`started_at`);