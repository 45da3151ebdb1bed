ALTER TABLE `optimized_sends` ADD `notification_type` text;--> statement-breakpoint
ALTER TABLE `optimized_sends` ADD `send_at` integer;--> statement-breakpoint
ALTER TABLE `optimized_sends` ADD `model_predicted` real;--> statement-breakpoint
CREATE INDEX `optimized_sends_outcomes` ON `optimized_sends` (`tenant_id`,`notification_type`,`send_at`);