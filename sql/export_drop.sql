-- Drops an export's views (temporary, of its connection: export_rows and
-- the Arrow view export_person_aggs) and detaches its
-- scratch database (export_scratch), whose tables go with it. Run on each
-- connection of the export.
DROP VIEW IF EXISTS temp.export_rows;
DROP VIEW IF EXISTS temp.export_person_aggs;
DETACH DATABASE IF EXISTS export_scratch;
