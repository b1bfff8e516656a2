-- Issue 15: titles get a search index of their own. Title lookups (/summary by title, article autocomplete)
-- went through articles_fts with a column filter, reading the doclists of the article bodies too; a prefix
-- such as "new*" merged the doclists of every body word starting so. Prefix indexes of 1-3 characters serve
-- the typing-as-you-go autocomplete.
CREATE VIRTUAL TABLE titles_fts USING fts5(
    title, content='articles', content_rowid='id', prefix='1 2 3', tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO titles_fts(titles_fts) VALUES ('rebuild');
