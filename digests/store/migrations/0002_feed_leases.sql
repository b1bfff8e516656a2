-- Feed polls are leased so that several processes sharing the database fetch each due feed once; a lease
-- whose process died runs out and another process takes the feed over.
ALTER TABLE sources ADD COLUMN lease_owner TEXT;
ALTER TABLE sources ADD COLUMN lease_until TEXT;
