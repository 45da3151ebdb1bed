CREATE TABLE `dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`schedule_id` text NOT NULL,
	`execution_id` text NOT NULL,
	`user_id` text NOT NULL,
	`notification_id` text NOT NULL,
	`reason` text NOT NULL,
	`attempts` integer NOT NULL,
	`last_http_status` integer,
	`failed_at` integer NOT NULL,
	`retried_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dead_letters_execution` ON `dead_letters` (`tenant_id`,`schedule_id`,`execution_id`);--> statement-breakpoint
CREATE INDEX `dead_letters_tenant_failed` ON `dead_letters` (`tenant_id`,`failed_at`);