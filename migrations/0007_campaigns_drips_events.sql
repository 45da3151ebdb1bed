CREATE TABLE `campaign_audience` (
	`tenant_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`seq` integer NOT NULL,
	`user_ids` text NOT NULL,
	`size` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `campaign_id`, `seq`)
);
--> statement-breakpoint
CREATE TABLE `campaign_chunks` (
	`tenant_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`seq` integer NOT NULL,
	`recipients` integer NOT NULL,
	`schedules` integer NOT NULL,
	`failed` integer NOT NULL,
	`done_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `campaign_id`, `seq`)
);
--> statement-breakpoint
CREATE TABLE `campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`status` text NOT NULL,
	`definition` text NOT NULL,
	`templates` text NOT NULL,
	`audience_size` integer NOT NULL,
	`audience_chunks` integer NOT NULL,
	`start_at` integer NOT NULL,
	`scheduled_at` integer,
	`completed_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `campaigns_tenant` ON `campaigns` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `campaigns_status` ON `campaigns` (`status`,`start_at`);--> statement-breakpoint
CREATE TABLE `conditional_schedules` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`user_id` text,
	`trigger_event` text NOT NULL,
	`definition` text NOT NULL,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `conditional_schedules_trigger` ON `conditional_schedules` (`tenant_id`,`trigger_event`);--> statement-breakpoint
CREATE TABLE `drips` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`definition` text NOT NULL,
	`templates` text NOT NULL,
	`trigger_event` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `drips_tenant` ON `drips` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `drips_trigger` ON `drips` (`tenant_id`,`trigger_event`);--> statement-breakpoint
CREATE TABLE `schedule_index` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`user_id` text NOT NULL,
	`notification_id` text NOT NULL,
	`scheduled_time` integer NOT NULL,
	`status` text NOT NULL,
	`campaign_id` text,
	`step` integer,
	`origin` text,
	`recurring_pattern_id` text,
	`opened_at` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `schedule_index_time` ON `schedule_index` (`tenant_id`,`scheduled_time`,`id`);--> statement-breakpoint
CREATE INDEX `schedule_index_user` ON `schedule_index` (`tenant_id`,`user_id`,`scheduled_time`);--> statement-breakpoint
CREATE INDEX `schedule_index_campaign` ON `schedule_index` (`tenant_id`,`campaign_id`,`step`,`status`);