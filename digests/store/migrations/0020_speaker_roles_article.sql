-- Issue 30: an index on speaker_roles(article_id), as on PostgreSQL: deleting an article cascades to its speaker
-- roles, which the primary key (speaker_id, role, article_id) cannot find by article.
CREATE INDEX IF NOT EXISTS speaker_roles_article ON speaker_roles(article_id);
