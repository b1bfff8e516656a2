-- Issue 26: one quote carried by several outlets is one quote group. Every instance stays a row of quotes
-- (verbatim-checked against its own article); the group keeps the speaker chosen from every outlet's
-- attribution, the evidence behind it, and the wording shown. Groups exist only for quotes two or more articles
-- carry. story_id stays NULL until stories are assigned (issue 25).
CREATE TABLE quote_groups (
    id INTEGER PRIMARY KEY,
    story_id INTEGER,
    speaker_id INTEGER REFERENCES speakers(id) ON DELETE SET NULL,
    role TEXT,
    -- agreed: every outlet names one speaker; chosen: the evidence decided; split: two speakers weigh the same
    -- (no speaker, each instance keeps its own article's); unknown: nobody named.
    status TEXT NOT NULL CHECK (status IN ('agreed', 'chosen', 'split', 'unknown')),
    -- 0: a label several outlets print in quotation marks (a sign, a chant, a title), not shown as said.
    statement INTEGER NOT NULL DEFAULT 1,
    evidence TEXT NOT NULL DEFAULT '{}',
    lead_quote_id INTEGER,
    instances INTEGER NOT NULL DEFAULT 0,
    outlets INTEGER NOT NULL DEFAULT 0,
    variants INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE INDEX quote_groups_story ON quote_groups(story_id) WHERE story_id IS NOT NULL;

-- confidence: the speaker ranker's probability for the article's own attribution; own_speaker_id: that
-- attribution (speaker_id becomes the group's speaker, so an article's own view agrees with /who-said).
ALTER TABLE quotes ADD COLUMN confidence REAL;
ALTER TABLE quotes ADD COLUMN own_speaker_id INTEGER REFERENCES speakers(id) ON DELETE SET NULL;
ALTER TABLE quotes ADD COLUMN group_id INTEGER REFERENCES quote_groups(id) ON DELETE SET NULL;
UPDATE quotes SET own_speaker_id = speaker_id;
CREATE INDEX quotes_group ON quotes(group_id) WHERE group_id IS NOT NULL;

-- Where later copies of a quote find it: its whole normal form and winnowed word-shingle fingerprints
-- (``digests.stories._quote_text``), by the day of the article, so a lookup reads only the merge window's
-- postings; words: the quote's length (a short copy may share a single fingerprint with a longer quote).
CREATE TABLE quote_keys (
    key INTEGER NOT NULL,
    day INTEGER NOT NULL,
    quote_id INTEGER NOT NULL,
    words INTEGER NOT NULL,
    PRIMARY KEY (key, day, quote_id)
) WITHOUT ROWID;
