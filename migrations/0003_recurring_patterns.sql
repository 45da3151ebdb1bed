CREATE TABLE `recurring_patterns` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`rule` text NOT NULL,
	`target` text NOT NULL,
	`notification_id` text NOT NULL,
	`payload` text NOT NULL,
	`priority` integer NOT NULL,
	`status` text NOT NULL,
	`version` integer NOT NULL,
	`generated_until` integer NOT NULL,
	`occurrences_generated` integer NOT NULL,
	`last_generated_at` integer,
	`claimed_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `recurring_patterns_tenant` ON `recurring_patterns` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `recurring_patterns_due` ON `recurring_patterns` (`status`,`generated_until`);