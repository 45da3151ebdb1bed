CREATE TABLE `engagement_profiles` (
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`type` text NOT NULL,
	`profile` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `engagement_profiles_key` ON `engagement_profiles` (`tenant_id`,`user_id`,`type`);--> statement-breakpoint
CREATE INDEX `engagement_profiles_recent` ON `engagement_profiles` (`tenant_id`,`type`,`updated_at`);--> statement-breakpoint
CREATE TABLE `optimizer_models` (
	`tenant_id` text NOT NULL,
	`type` text NOT NULL,
	`version` text NOT NULL,
	`prior` text NOT NULL,
	`trained_at` integer NOT NULL,
	`users` integer NOT NULL,
	`events` integer NOT NULL,
	`metrics` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `optimizer_models_key` ON `optimizer_models` (`tenant_id`,`type`);