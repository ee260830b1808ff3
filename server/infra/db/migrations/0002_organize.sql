CREATE TABLE `album_images` (
	`album_id` int NOT NULL,
	`image_id` int NOT NULL,
	`added_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `album_images_album_id_image_id_pk` PRIMARY KEY(`album_id`,`image_id`)
);
--> statement-breakpoint
CREATE TABLE `albums` (
	`id` int AUTO_INCREMENT NOT NULL,
	`user_id` int NOT NULL,
	`title` varchar(100) NOT NULL,
	`description` varchar(2000) NOT NULL DEFAULT '',
	`cover_image_id` int,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `albums_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
ALTER TABLE `images` ADD `taken_at` datetime;--> statement-breakpoint
ALTER TABLE `images` ADD `taken_offset` varchar(6);--> statement-breakpoint
-- Existing rows sort by their upload time until the backfill job has read their capture date.
ALTER TABLE `images` ADD `sort_at` datetime(3);--> statement-breakpoint
UPDATE `images` SET `sort_at` = `created_at`;--> statement-breakpoint
ALTER TABLE `images` MODIFY COLUMN `sort_at` datetime(3) NOT NULL;--> statement-breakpoint
ALTER TABLE `images` ADD `favorite` boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `images` ADD `deleted_at` datetime(3);--> statement-breakpoint
ALTER TABLE `images` ADD `camera` text;--> statement-breakpoint
ALTER TABLE `images` ADD `meta_version` tinyint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `album_images` ADD CONSTRAINT `album_images_album_id_albums_id_fk` FOREIGN KEY (`album_id`) REFERENCES `albums`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `album_images` ADD CONSTRAINT `album_images_image_id_images_id_fk` FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `albums` ADD CONSTRAINT `albums_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `albums` ADD CONSTRAINT `albums_cover_image_id_images_id_fk` FOREIGN KEY (`cover_image_id`) REFERENCES `images`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `album_images_album_added_idx` ON `album_images` (`album_id`,`added_at`,`image_id`);--> statement-breakpoint
CREATE INDEX `album_images_image_idx` ON `album_images` (`image_id`);--> statement-breakpoint
CREATE INDEX `albums_user_updated_idx` ON `albums` (`user_id`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `images_user_live_created_idx` ON `images` (`user_id`,`deleted_at`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `images_user_live_sort_idx` ON `images` (`user_id`,`deleted_at`,`sort_at`,`id`);--> statement-breakpoint
CREATE INDEX `images_user_live_favorite_idx` ON `images` (`user_id`,`deleted_at`,`favorite`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `images_user_sha_idx` ON `images` (`user_id`,`sha256`);--> statement-breakpoint
-- Dropped only now: the user_id foreign key needs an index that starts with user_id at every moment.
DROP INDEX `images_user_created_idx` ON `images`;
