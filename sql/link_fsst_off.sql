-- link_fsst_off: no FSST for the blocks written while person_links is
-- inserted. Its maps hold 13 million short strings of a dozen distinct
-- values (dictionary compression takes them), and trying FSST on them and on
-- the ids was about 3 of the insert's 8 CPU-s at 1M; the table's blocks grow
-- by a fifth (the ids are not FSST-compressed). Global to the database, so
-- link_fsst_on restores the default right after.
SET disabled_compression_methods = 'fsst';
