PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_usage_rollups` (
	`grain` text NOT NULL,
	`bucket_start` integer NOT NULL,
	`org_id` text NOT NULL,
	`key_id` text NOT NULL,
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`user` text DEFAULT '' NOT NULL,
	`tags` text DEFAULT '' NOT NULL,
	`outcome` text DEFAULT '' NOT NULL,
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
	PRIMARY KEY(`org_id`, `grain`, `bucket_start`, `key_id`, `provider`, `model`, `user`, `tags`, `outcome`)
) WITHOUT ROWID;
--> statement-breakpoint
-- Buckets written before these columns existed keep '' for user, tags and outcome (unknown): the rows they summed may be pruned already.
INSERT INTO `__new_usage_rollups`("grain", "bucket_start", "org_id", "key_id", "provider", "model", "requests", "errors", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "cost_micros", "unpriced_requests", "estimated_requests") SELECT "grain", "bucket_start", "org_id", "key_id", "provider", "model", "requests", "errors", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "cost_micros", "unpriced_requests", "estimated_requests" FROM `usage_rollups`;--> statement-breakpoint
DROP TABLE `usage_rollups`;--> statement-breakpoint
ALTER TABLE `__new_usage_rollups` RENAME TO `usage_rollups`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
-- The new grains from the usage rows still stored, summed as the metering worker sums them (metering/worker/rollups.ts):
-- quarter hours, and quarter hours and hours split by user, tag set and outcome (older history has hours and days only).
INSERT INTO `usage_rollups`("grain", "bucket_start", "org_id", "key_id", "provider", "model", "user", "tags", "outcome", "requests", "errors", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "cost_micros", "unpriced_requests", "estimated_requests")
SELECT 'quarter', ("started_at" / 900000) * 900000, "org_id", "key_id", "provider", COALESCE("model", ''), '', '', '',
  COUNT(*), SUM("status" >= 400 OR "ended_by" IN ('upstream_error', 'timeout')), SUM("input_tokens"), SUM("output_tokens"), SUM("cache_read_tokens"), SUM("cache_write_tokens"), SUM("reasoning_tokens"),
  SUM(COALESCE("cost_micros", 0)), SUM("cost_status" = 'unpriced'), SUM("cost_status" = 'estimated')
FROM `usage_events` GROUP BY 2, 3, 4, 5, 6, 7, 8, 9;--> statement-breakpoint
INSERT INTO `usage_rollups`("grain", "bucket_start", "org_id", "key_id", "provider", "model", "user", "tags", "outcome", "requests", "errors", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "cost_micros", "unpriced_requests", "estimated_requests")
SELECT 'quarter_dims', ("started_at" / 900000) * 900000, "org_id", "key_id", "provider", COALESCE("model", ''), COALESCE("user", ''), COALESCE("tags", ''), CASE WHEN "status" >= 400 THEN 'error' ELSE 'ok' END,
  COUNT(*), SUM("status" >= 400 OR "ended_by" IN ('upstream_error', 'timeout')), SUM("input_tokens"), SUM("output_tokens"), SUM("cache_read_tokens"), SUM("cache_write_tokens"), SUM("reasoning_tokens"),
  SUM(COALESCE("cost_micros", 0)), SUM("cost_status" = 'unpriced'), SUM("cost_status" = 'estimated')
FROM `usage_events` GROUP BY 2, 3, 4, 5, 6, 7, 8, 9;--> statement-breakpoint
INSERT INTO `usage_rollups`("grain", "bucket_start", "org_id", "key_id", "provider", "model", "user", "tags", "outcome", "requests", "errors", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "cost_micros", "unpriced_requests", "estimated_requests")
SELECT 'hour_dims', ("started_at" / 3600000) * 3600000, "org_id", "key_id", "provider", COALESCE("model", ''), COALESCE("user", ''), COALESCE("tags", ''), CASE WHEN "status" >= 400 THEN 'error' ELSE 'ok' END,
  COUNT(*), SUM("status" >= 400 OR "ended_by" IN ('upstream_error', 'timeout')), SUM("input_tokens"), SUM("output_tokens"), SUM("cache_read_tokens"), SUM("cache_write_tokens"), SUM("reasoning_tokens"),
  SUM(COALESCE("cost_micros", 0)), SUM("cost_status" = 'unpriced'), SUM("cost_status" = 'estimated')
FROM `usage_events` GROUP BY 2, 3, 4, 5, 6, 7, 8, 9;
