-- Issue 30: an index on speaker_roles(article_id). Deleting an article cascades to its speaker roles, and the
-- primary key (speaker_id, role, article_id) cannot find them by article: every deleted article scanned the whole
-- table (1.7M rows at a million articles; removing 1,249 articles ran for minutes).
CREATE INDEX IF NOT EXISTS speaker_roles_article ON speaker_roles(article_id);
