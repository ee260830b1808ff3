-- The list-order indexes become descending with the file name last (docs/PERFORMANCE.md "Organize"),
-- and favourites get an index by capture date. Written by hand from drizzle-kit's output: for a
-- changed index it quoted the descending key parts as names (``id` desc`) and dropped the old index
-- before creating the new one. Each index is replaced in one ALTER TABLE, so at no moment is an
-- index starting with user_id missing (the user_id foreign key needs one on MySQL/MariaDB).
CREATE INDEX `images_user_live_favorite_sort_idx` ON `images` (`user_id`,`deleted_at`,`favorite`,`sort_at` desc,`id` desc);--> statement-breakpoint
ALTER TABLE `images` DROP INDEX `images_user_live_created_idx`, ADD INDEX `images_user_live_created_idx` (`user_id`,`deleted_at` desc,`created_at` desc,`id` desc,`filename`);--> statement-breakpoint
ALTER TABLE `images` DROP INDEX `images_user_live_sort_idx`, ADD INDEX `images_user_live_sort_idx` (`user_id`,`deleted_at`,`sort_at` desc,`id` desc,`filename`);
