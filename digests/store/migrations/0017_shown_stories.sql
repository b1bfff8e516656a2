-- Issue 25, stage 2: what each channel was shown of each story (a scheduled digest or a live post), so a story
-- shown before comes back as an update that tells only what is new, after a restart and in any process. The
-- article ids are a JSON list of the articles the channel was shown; ``message`` is the id of the story's first
-- live post (its thread takes the updates). A story merged later is found through ``stories.merged_into``.
CREATE TABLE IF NOT EXISTS shown_stories (
    workspace TEXT NOT NULL,
    channel TEXT NOT NULL,
    story_id INTEGER NOT NULL,
    article_ids TEXT NOT NULL DEFAULT '[]',
    first_at TEXT NOT NULL,
    last_at TEXT NOT NULL,
    message TEXT,
    PRIMARY KEY (workspace, channel, story_id)
);
CREATE INDEX IF NOT EXISTS shown_stories_story ON shown_stories(story_id);
