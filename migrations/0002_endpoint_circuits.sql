CREATE TABLE `endpoint_circuits` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`reason` text NOT NULL,
	`opened_at` integer,
	`retry_at` integer,
	`changed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `endpoint_circuits_status` ON `endpoint_circuits` (`status`);