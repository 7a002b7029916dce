-- link_publish_persons: persons, straight from the Arrow batches Go built
-- ({{view}}: every column but the runs); an id given out before keeps its
-- first_seen_run (link_first, sql/link_scratch.sql).
-- Parameters 1 and 2: the run_id.
INSERT INTO persons
SELECT p.person_id, p.display_name, p.surname, p.given_name, p.sex, p.birth_date, p.tax_code,
       p.participations, p.applications, p.modules, p.provinces,
       coalesce(f.first_seen_run, CAST(? AS VARCHAR)),
       CAST(? AS VARCHAR)
FROM {{view}} AS p
LEFT JOIN link_first AS f USING (person_id);
