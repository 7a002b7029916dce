-- link_fsst_get: the compression methods disabled now ('' by default); the
-- writer turns FSST off for the person_links insert only when it is ''.
SELECT current_setting('disabled_compression_methods');
