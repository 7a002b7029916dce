-- link_publish: replaces persons and person_members with the new assignment
-- and sets enrolments.person_id; the run is the one in link_ctx. A person of
-- one row (most of them) is that row: only the others are aggregated.
CREATE OR REPLACE TEMP TABLE link_assigned AS
SELECT r.enrolment_id, r.record_key, a.person_id, a.multi
FROM link_assign AS a JOIN link_rec AS r USING (rid);

UPDATE enrolments SET person_id = a.person_id
FROM link_assigned AS a
WHERE enrolments.enrolment_id = a.enrolment_id;

DELETE FROM person_members;
INSERT INTO person_members SELECT enrolment_id, record_key, person_id, (SELECT run_id FROM link_ctx) FROM link_assigned;

DELETE FROM persons;
INSERT INTO persons
SELECT e.person_id, e.display_name, e.surname, e.given_name, e.sex, e.birth_date,
       CASE WHEN e.tax_code_status = 'valid' THEN e.tax_code END,
       CAST(coalesce(e.status = 'accepted', false) AS INTEGER),  -- status NULL: unreadable, not a participation
       1,
       1,
       [e.province_code],
       coalesce(f.first_seen_run, (SELECT run_id FROM link_ctx)),
       (SELECT run_id FROM link_ctx)
FROM enrolments AS e
JOIN link_assigned AS a ON a.enrolment_id = e.enrolment_id AND NOT a.multi
LEFT JOIN link_first AS f ON f.person_id = e.person_id
UNION ALL
SELECT e.person_id,
       coalesce(mode(e.display_name) FILTER (WHERE e.surname IS NOT NULL AND e.given_name IS NOT NULL), mode(e.display_name)),
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
JOIN link_assigned AS a ON a.enrolment_id = e.enrolment_id AND a.multi
LEFT JOIN link_first AS f ON f.person_id = e.person_id
GROUP BY e.person_id;

DELETE FROM person_links;
DELETE FROM link_model;
