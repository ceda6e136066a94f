-- onair schema 7: campaigns can be archived (`onair campaign archive`): an archived campaign is
-- left out of lists and calendars and takes no new broadcast; its history stays.
ALTER TABLE campaigns ADD COLUMN archived_at TEXT;
