-- Stores one Arrow batch of person keys, registered as the view
-- export_person_keys_batch (person_id, person_key, person_no) on this connection.
INSERT INTO export_scratch.export_person_keys SELECT person_id, person_key, person_no FROM export_person_keys_batch;
DROP VIEW IF EXISTS export_person_keys_batch;
