CREATE TABLE `invites` (
	`id` int AUTO_INCREMENT NOT NULL,
	`token_hash` char(64) NOT NULL,
	`created_by` int,
	`expires_at` datetime(3) NOT NULL,
	`used_at` datetime(3),
	`used_by` int,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `invites_id` PRIMARY KEY(`id`),
	CONSTRAINT `invites_token_hash_unique` UNIQUE(`token_hash`)
);
--> statement-breakpoint
CREATE TABLE `recovery_codes` (
	`id` int AUTO_INCREMENT NOT NULL,
	`user_id` int NOT NULL,
	`code_hash` char(64) NOT NULL,
	`used_at` datetime(3),
	CONSTRAINT `recovery_codes_id` PRIMARY KEY(`id`),
	CONSTRAINT `recovery_codes_user_code_idx` UNIQUE(`user_id`,`code_hash`)
);
--> statement-breakpoint
CREATE TABLE `settings` (
	`key` varchar(50) NOT NULL,
	`value` text NOT NULL,
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `settings_key` PRIMARY KEY(`key`)
);
--> statement-breakpoint
CREATE TABLE `shares` (
	`id` int AUTO_INCREMENT NOT NULL,
	`user_id` int NOT NULL,
	`album_id` int,
	`image_id` int,
	`token_hash` char(64) NOT NULL,
	`token_encrypted` varchar(255) NOT NULL,
	`password_hash` varchar(255),
	`allow_download` boolean NOT NULL DEFAULT false,
	`expires_at` datetime(3) NOT NULL,
	`ended_at` datetime(3),
	`view_count` int NOT NULL DEFAULT 0,
	`last_viewed_at` datetime(3),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `shares_id` PRIMARY KEY(`id`),
	CONSTRAINT `shares_token_hash_unique` UNIQUE(`token_hash`)
);
--> statement-breakpoint
CREATE TABLE `user_tokens` (
	`id` int AUTO_INCREMENT NOT NULL,
	`user_id` int NOT NULL,
	`kind` varchar(20) NOT NULL,
	`token_hash` char(64) NOT NULL,
	`email` varchar(254),
	`expires_at` datetime(3) NOT NULL,
	`used_at` datetime(3),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `user_tokens_id` PRIMARY KEY(`id`),
	CONSTRAINT `user_tokens_token_hash_unique` UNIQUE(`token_hash`)
);
--> statement-breakpoint
ALTER TABLE `images` ADD `variants_pending` boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `user_agent` varchar(255);--> statement-breakpoint
ALTER TABLE `sessions` ADD `last_used_at` datetime(3);--> statement-breakpoint
ALTER TABLE `users` ADD `role` varchar(10) DEFAULT 'user' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `disabled_at` datetime(3);--> statement-breakpoint
ALTER TABLE `users` ADD `quota_bytes` bigint;--> statement-breakpoint
ALTER TABLE `users` ADD `email` varchar(254);--> statement-breakpoint
ALTER TABLE `users` ADD `email_verified_at` datetime(3);--> statement-breakpoint
ALTER TABLE `users` ADD `totp_secret` varchar(255);--> statement-breakpoint
ALTER TABLE `users` ADD `totp_enabled_at` datetime(3);--> statement-breakpoint
ALTER TABLE `users` ADD `totp_last_step` bigint;--> statement-breakpoint
ALTER TABLE `invites` ADD CONSTRAINT `invites_created_by_users_id_fk` FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `invites` ADD CONSTRAINT `invites_used_by_users_id_fk` FOREIGN KEY (`used_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `recovery_codes` ADD CONSTRAINT `recovery_codes_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `shares` ADD CONSTRAINT `shares_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `shares` ADD CONSTRAINT `shares_album_id_albums_id_fk` FOREIGN KEY (`album_id`) REFERENCES `albums`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `shares` ADD CONSTRAINT `shares_image_id_images_id_fk` FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `user_tokens` ADD CONSTRAINT `user_tokens_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `shares_user_created_idx` ON `shares` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `shares_album_idx` ON `shares` (`album_id`);--> statement-breakpoint
CREATE INDEX `shares_image_idx` ON `shares` (`image_id`);--> statement-breakpoint
CREATE INDEX `user_tokens_user_kind_idx` ON `user_tokens` (`user_id`,`kind`);--> statement-breakpoint
CREATE INDEX `users_email_idx` ON `users` (`email`);--> statement-breakpoint
-- An existing gallery upgrading: its first account becomes the admin, as on a new one (SPEC §10).
UPDATE `users` u JOIN (SELECT MIN(`id`) AS `id` FROM `users`) first_user ON u.`id` = first_user.`id` SET u.`role` = 'admin';