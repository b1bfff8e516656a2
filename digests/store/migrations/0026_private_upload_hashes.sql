-- A private upload (no URL, no feed) is stored under its workspace's own content hash ("<sha256>:<workspace>"):
-- content_hash is unique, and with the bare hash another workspace's identical upload, or the same text arriving
-- from the web, was linked to the upload (telling that it exists, showing its title, or storing a feed's page
-- without its URL). Uploads stored before are given the hash of the workspace that first saw them.
UPDATE articles SET content_hash = content_hash || ':' || COALESCE(
    (SELECT w.workspace FROM workspace_articles w WHERE w.article_id = articles.id
     ORDER BY w.added_at, w.workspace LIMIT 1), '')
WHERE COALESCE(url, '') = '' AND source_id IS NULL AND instr(content_hash, ':') = 0;

-- The URL and GUID keys a private upload holds are those of web pages that were linked to it: they go, so the
-- next copy of such a page is stored as the public article it is.
DELETE FROM article_keys WHERE article_id IN (SELECT id FROM articles WHERE COALESCE(url, '') = '' AND source_id IS NULL);
