-- link_publish: replaces persons and person_members with the new assignment
-- and sets enrolments.person_id; the run is the one in link_ctx.
UPDATE enrolments SET person_id = a.person_id
FROM link_assign AS a
WHERE enrolments.enrolment_id = a.enrolment_id;

DELETE FROM person_members;
INSERT INTO person_members SELECT enrolment_id, record_key, person_id, (SELECT run_id FROM link_ctx) FROM link_assign;

DELETE FROM persons;
INSERT INTO persons
SELECT e.person_id,
       mode(e.display_name),
       mode(e.surname),
       mode(e.given_name),
       mode(e.sex),
       mode(e.birth_date),
       mode(e.tax_code) FILTER (WHERE e.tax_code_status = 'valid'),
       CAST(count(*) FILTER (WHERE e.status = 'accepted') AS INTEGER),
       CAST(count(*) AS INTEGER),
       CAST(count(DISTINCT e.province_code || ':' || e.module_fold) AS INTEGER),
       list_sort(list(DISTINCT e.province_code)),
       coalesce(any_value(f.first_seen_run), (SELECT run_id FROM link_ctx)),
       (SELECT run_id FROM link_ctx)
FROM enrolments AS e
LEFT JOIN link_first AS f ON f.person_id = e.person_id
GROUP BY e.person_id;

DELETE FROM person_links;
DELETE FROM link_model;
