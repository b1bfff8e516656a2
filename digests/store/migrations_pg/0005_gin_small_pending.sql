-- Search indexes with a small pending list (64 kB) instead of none (0004). Without a pending list every inserted
-- row writes its lexemes into the GIN trees one by one: with ingest writing a chunk of articles per statement,
-- that was a third of the writer's time on the server (a chunk of 16 articles: 2.9 s against 1.9 s per 640
-- articles). New entries now wait in a list of at most 64 kB, merged in bulk by the insert that fills it, so a
-- search scans at most 64 kB of unsorted entries per index (0004 measured 9.5 ms for a 4 MB list: ~0.15 ms here).
ALTER INDEX articles_tsv SET (fastupdate = on, gin_pending_list_limit = 64);
ALTER INDEX articles_title_tsv SET (fastupdate = on, gin_pending_list_limit = 64);
ALTER INDEX quotes_tsv SET (fastupdate = on, gin_pending_list_limit = 64);
ALTER INDEX events_tsv SET (fastupdate = on, gin_pending_list_limit = 64);
ALTER INDEX workspace_speakers_name_trgm SET (fastupdate = on, gin_pending_list_limit = 64);
