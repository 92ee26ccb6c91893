CREATE TABLE `grades` (
	`id` text PRIMARY KEY NOT NULL,
	`turn_id` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`score` real,
	`max_score` real,
	`grader` text,
	`model` text,
	`prompt_version` text,
	`rubric_hash` text,
	`result` text,
	`flags` text DEFAULT '[]' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`turn_id`) REFERENCES `turns`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `grades_status` ON `grades` (`status`);--> statement-breakpoint
CREATE INDEX `grades_turn` ON `grades` (`turn_id`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`token_hash` text NOT NULL,
	`profile` text,
	`mode` text DEFAULT 'solo' NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`lang` text DEFAULT 'zh' NOT NULL,
	`settings` text NOT NULL,
	`plan` text NOT NULL,
	`created_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `sessions_profile` ON `sessions` (`profile`,`created_at`);--> statement-breakpoint
CREATE TABLE `turns` (
	`id` text PRIMARY KEY NOT NULL,
	`session_id` text NOT NULL,
	`seq` integer NOT NULL,
	`question_id` text NOT NULL,
	`question` text NOT NULL,
	`follow_up_of` text,
	`status` text DEFAULT 'asked' NOT NULL,
	`answer` text,
	`language` text,
	`idempotency_key` text,
	`hints_used` integer DEFAULT 0 NOT NULL,
	`draft` text,
	`asked_at` integer NOT NULL,
	`answered_at` integer,
	`time_taken_ms` integer,
	FOREIGN KEY (`session_id`) REFERENCES `sessions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `turns_session_seq` ON `turns` (`session_id`,`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `turns_idempotency` ON `turns` (`session_id`,`idempotency_key`);