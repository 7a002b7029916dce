-- link_publish_update: sets enrolments.person_id of the rows whose person
-- changes, by rowid. {{view}} is Go's Arrow batch (erow: enrolments.rowid,
-- person_id).
UPDATE enrolments SET person_id = u.person_id
FROM {{view}} AS u
WHERE enrolments.rowid = u.erow;
