-- link_publish_read: what the new persons take from each enrolment, by rid
-- (link_rec), with its rowid and its person_id before this run (Go updates
-- only the rows whose person changes, by rowid). Read into Go as Arrow
-- batches; Go builds the persons (link/write_persons.go).
SELECT r.rid,
       e.rowid AS erow,
       e.person_id,
       e.display_name,
       e.surname,
       e.given_name,
       e.sex,
       CAST(date_diff('day', DATE '1970-01-01', e.birth_date) AS INTEGER) AS birth_days,
       e.tax_code,
       e.tax_code_status = 'valid' AS tax_valid,
       coalesce(e.status = 'accepted', false) AS accepted,  -- status NULL: unreadable, not a participation
       e.province_code,
       e.module_fold
FROM enrolments AS e
JOIN link_rec AS r USING (enrolment_id);
