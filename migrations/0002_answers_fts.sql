-- Full-text search over answers for /review. The trigram tokenizer matches any substring of three
-- or more characters, which is what Chinese text needs (it has no spaces to split words on);
-- shorter queries fall back to LIKE in src/review. The index follows turns.answer by triggers.
CREATE VIRTUAL TABLE `answers_fts` USING fts5(answer, content='turns', content_rowid='rowid', tokenize='trigram');
--> statement-breakpoint
INSERT INTO `answers_fts`(rowid, answer) SELECT rowid, answer FROM `turns` WHERE answer IS NOT NULL;
--> statement-breakpoint
CREATE TRIGGER `turns_fts_insert` AFTER INSERT ON `turns` WHEN new.answer IS NOT NULL BEGIN
  INSERT INTO `answers_fts`(rowid, answer) VALUES (new.rowid, new.answer);
END;
--> statement-breakpoint
CREATE TRIGGER `turns_fts_update` AFTER UPDATE OF answer ON `turns` BEGIN
  INSERT INTO `answers_fts`(`answers_fts`, rowid, answer) SELECT 'delete', old.rowid, old.answer WHERE old.answer IS NOT NULL;
  INSERT INTO `answers_fts`(rowid, answer) SELECT new.rowid, new.answer WHERE new.answer IS NOT NULL;
END;
--> statement-breakpoint
CREATE TRIGGER `turns_fts_delete` AFTER DELETE ON `turns` WHEN old.answer IS NOT NULL BEGIN
  INSERT INTO `answers_fts`(`answers_fts`, rowid, answer) VALUES ('delete', old.rowid, old.answer);
END;
