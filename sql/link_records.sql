-- link_records: the enrolments to link, numbered densely by enrolment_id (rid),
-- with what blocking and the comparisons need. The previous person of a row is
-- its own enrolments.person_id, else the last person of a row with the same
-- content fingerprint (record_key): a re-sent file changes enrolment_id, not content.
-- A missing name (NULL since 007) is '' in the fingerprint, so that a row with
-- only a surname and one with only the same given name differ.
-- tax_key is the tax code's first 15 characters with omocodia letters mapped
-- back to digits, for any code of the right shape (valid or with a bad check letter):
-- a code with digits where digits go is its first 15 characters (most codes:
-- no translate, whose pieces cost about 1 CPU-s at 1M), the other codes of the
-- right shape are translated. GLOB classes, each one character: the shape
-- regexp_full_match('[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z]…') tests.
-- The names' sounds (surname_sound, given_name_sound) are not here: blocking
-- computes them in Go, and adds them to link_rec (link_block_sounds.sql) only
-- when DuckDB evaluates a rule that reads them.
-- rid is numbered in a narrow pass (rowid, enrolment_id), joined back by rowid:
-- a window over whole rows sorted every column, on one thread (half of this
-- statement's cost). link_rec is not sorted by rid (a sort of every column,
-- 2 to 4 CPU-s at 1M): the Go reader puts each record at its rid (link_load),
-- blocking in Go sorts its keys by key and rid, the others join by rid.
-- Parameter 1: the extras headers the comparisons read (VARCHAR[]).
CREATE OR REPLACE TEMP TABLE link_rec AS
WITH ids AS (
    SELECT rowid AS row, CAST(row_number() OVER (ORDER BY enrolment_id) - 1 AS INTEGER) AS rid
    FROM enrolments
), e AS (
    SELECT rowid AS row, enrolment_id, person_id, province_code, surname_fold, given_name_fold, tax_code,
           tax_code_status, sex, birth_date, birth_place_fold, email, phone, municipality_fold,
           organisation_fold, organisation_type_fold, role_fold, module_fold, extras,
           left(sha256(concat_ws('|', province_code, coalesce(surname_fold, ''), coalesce(given_name_fold, ''),
                coalesce(tax_code, ''), coalesce(CAST(birth_date AS VARCHAR), ''), module_fold)), 16) AS record_key
    FROM enrolments
), pm AS (
    SELECT record_key, arg_max(person_id, run_id) AS person_id
    FROM person_members
    GROUP BY record_key
)
SELECT ids.rid,
       e.enrolment_id,
       e.record_key,
       coalesce(e.person_id, pm.person_id) AS prev_person_id,
       e.province_code,
       e.surname_fold,
       e.given_name_fold,
       e.tax_code,
       e.tax_code_status,
       CASE WHEN e.tax_code GLOB '[A-Z][A-Z][A-Z][A-Z][A-Z][A-Z][0-9][0-9][A-Z][0-9][0-9][A-Z][0-9][0-9][0-9][A-Z]'
            THEN left(e.tax_code, 15)
            WHEN e.tax_code GLOB '[A-Z][A-Z][A-Z][A-Z][A-Z][A-Z][0-9LMNPQRSTUV][0-9LMNPQRSTUV][A-Z][0-9LMNPQRSTUV][0-9LMNPQRSTUV][A-Z][0-9LMNPQRSTUV][0-9LMNPQRSTUV][0-9LMNPQRSTUV][A-Z]'
            THEN left(e.tax_code, 6)
                 || translate(substr(e.tax_code, 7, 2), 'LMNPQRSTUV', '0123456789')
                 || substr(e.tax_code, 9, 1)
                 || translate(substr(e.tax_code, 10, 2), 'LMNPQRSTUV', '0123456789')
                 || substr(e.tax_code, 12, 1)
                 || translate(substr(e.tax_code, 13, 3), 'LMNPQRSTUV', '0123456789')
       END AS tax_key,
       e.sex,
       e.birth_date,
       e.birth_place_fold,
       e.email,
       e.phone,
       e.municipality_fold,
       e.organisation_fold,
       e.organisation_type_fold,
       e.role_fold,
       e.module_fold,
       list_transform(CAST(? AS VARCHAR[]), h -> nullif(upper(trim(CAST(element_at(e.extras, h)[1] AS VARCHAR))), '')) AS extra_values
FROM e
JOIN ids USING (row)
LEFT JOIN pm USING (record_key);
