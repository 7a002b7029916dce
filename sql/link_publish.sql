-- link_publish: replaces persons and person_members with the new assignment
-- and sets enrolments.person_id; the run is the one in link_ctx. Go filled
-- link_assign (each record's person), link_update (the enrolments whose
-- person_id changes, by rowid) and link_persons (the persons but their runs).
UPDATE enrolments SET person_id = u.person_id
FROM link_update AS u
WHERE enrolments.rowid = u.erow;

DELETE FROM person_members;
INSERT INTO person_members
SELECT r.enrolment_id, r.record_key, a.person_id, (SELECT run_id FROM link_ctx)
FROM link_assign AS a JOIN link_rec AS r USING (rid);

DELETE FROM persons;
INSERT INTO persons
SELECT p.person_id, p.display_name, p.surname, p.given_name, p.sex, p.birth_date, p.tax_code,
       p.participations, p.applications, p.modules, p.provinces,
       coalesce(f.first_seen_run, (SELECT run_id FROM link_ctx)),
       (SELECT run_id FROM link_ctx)
FROM link_persons AS p
LEFT JOIN link_first AS f USING (person_id);

DELETE FROM person_links;
DELETE FROM link_model;
