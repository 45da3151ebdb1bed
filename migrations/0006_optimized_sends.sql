CREATE TABLE `optimized_sends` (
	`tenant_id` text NOT NULL,
	`schedule_id` text NOT NULL,
	`source` text NOT NULL,
	`predicted` real NOT NULL,
	`opened` integer NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `optimized_sends_schedule` ON `optimized_sends` (`tenant_id`,`schedule_id`);--> statement-breakpoint
CREATE INDEX `optimized_sends_recent` ON `optimized_sends` (`tenant_id`,`at`);