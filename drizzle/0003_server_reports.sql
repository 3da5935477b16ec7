CREATE TABLE `server_reports` (
	`instance` text PRIMARY KEY NOT NULL,
	`hostname` text NOT NULL,
	`url` text NOT NULL,
	`pid` integer NOT NULL,
	`version` text NOT NULL,
	`providers` text NOT NULL,
	`started_at` integer NOT NULL,
	`stopped_at` integer
);
