-- 011: files the shrink guard held back (status 'held': the province kept
-- its last good data) are counted apart from the failed ones.
ALTER TABLE runs ADD COLUMN files_held INTEGER DEFAULT 0;
