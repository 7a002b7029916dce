-- Drops an export's scratch tables and view (temporary, of its connection).
DROP VIEW IF EXISTS temp.export_rows;
DROP TABLE IF EXISTS temp.export_person_rows;
DROP TABLE IF EXISTS temp.export_apps;
DROP TABLE IF EXISTS temp.export_person_keys;
