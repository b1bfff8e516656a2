-- Search indexes without a pending list. With fastupdate on, new rows wait in an unsorted list that every search
-- scans in full until VACUUM merges it (up to gin_pending_list_limit, 4 MB); at 10k articles that scan was 9 ms of
-- a 0-row /timeline lookup. Commands have a deadline and ingest has not, so writes pay the merge instead
-- ("if consistent response time is more important than update speed", PostgreSQL docs, GIN fast update).
ALTER INDEX articles_tsv SET (fastupdate = off);
ALTER INDEX articles_title_tsv SET (fastupdate = off);
ALTER INDEX quotes_tsv SET (fastupdate = off);
ALTER INDEX events_tsv SET (fastupdate = off);
ALTER INDEX workspace_speakers_name_trgm SET (fastupdate = off);
-- Turning fastupdate off keeps what is already pending: merge it now.
SELECT gin_clean_pending_list('articles_tsv'::regclass), gin_clean_pending_list('articles_title_tsv'::regclass),
       gin_clean_pending_list('quotes_tsv'::regclass), gin_clean_pending_list('events_tsv'::regclass),
       gin_clean_pending_list('workspace_speakers_name_trgm'::regclass);
