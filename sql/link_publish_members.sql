-- link_publish_members: person_members, straight from Go's Arrow batches
-- ({{view}}: enrolment_id, record_key, person_id of every record; Go has
-- the keys and read the enrolment ids with link_publish_read).
-- Parameter 1: the run_id.
INSERT INTO person_members
SELECT enrolment_id, record_key, person_id, CAST(? AS VARCHAR)
FROM {{view}};
