CREATE TABLE `experiment_sends` (
	`tenant_id` text NOT NULL,
	`experiment_id` text NOT NULL,
	`variant` integer NOT NULL,
	`schedule_id` text NOT NULL,
	`user_id` text NOT NULL,
	`opened` integer NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `experiment_sends_schedule` ON `experiment_sends` (`tenant_id`,`schedule_id`);--> statement-breakpoint
CREATE INDEX `experiment_sends_experiment` ON `experiment_sends` (`tenant_id`,`experiment_id`,`variant`);--> statement-breakpoint
CREATE TABLE `experiments` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`notification_type` text NOT NULL,
	`variants` text NOT NULL,
	`allocation` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `experiments_type` ON `experiments` (`tenant_id`,`notification_type`,`status`);