CREATE TABLE `provider_objects` (
	`provider` text NOT NULL,
	`object_id` text NOT NULL,
	`kind` text NOT NULL,
	`org_id` text NOT NULL,
	`key_id` text NOT NULL,
	`request_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	`status` text,
	`snapshot` text,
	PRIMARY KEY(`provider`, `object_id`)
);
--> statement-breakpoint
CREATE INDEX `provider_objects_org_idx` ON `provider_objects` (`org_id`,`provider`,`kind`,`created_at`);--> statement-breakpoint
CREATE INDEX `provider_objects_created_idx` ON `provider_objects` (`created_at`);