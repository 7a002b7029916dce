-- link_records: the enrolments to link, numbered densely by enrolment_id (rid),
-- with what blocking and the comparisons need. The previous person of a row is
-- its own enrolments.person_id, else the last person of a row with the same
-- content fingerprint (record_key): a re-sent file changes enrolment_id, not content.
-- A missing name (NULL since 007) is '' in the fingerprint, so that a row with
-- only a surname and one with only the same given name differ.
-- tax_key is the tax code's first 15 characters with omocodia letters mapped
-- back to digits, for any code of the right shape (valid or with a bad check letter).
-- surname_sound and given_name_sound are the names' consonant skeletons, a
-- phonetic key for blocking: K and Q read as C, Z as S; vowels, H, W, J, Y
-- and everything not a letter dropped; a doubled consonant counted once
-- (CARUSO and CRAUSO are CRS, FERARI and FERRARI FR, SHEVCHENKO and
-- SEVCENKO SVCNC); NULL when nothing is left.
-- Parameter 1: the extras headers the comparisons read (VARCHAR[]).
CREATE OR REPLACE TEMP TABLE link_rec AS
WITH e AS (
    SELECT enrolment_id, person_id, province_code, surname_fold, given_name_fold, tax_code,
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
SELECT CAST(row_number() OVER (ORDER BY e.enrolment_id) - 1 AS INTEGER) AS rid,
       e.enrolment_id,
       e.record_key,
       coalesce(e.person_id, pm.person_id) AS prev_person_id,
       e.province_code,
       e.surname_fold,
       e.given_name_fold,
       e.tax_code,
       e.tax_code_status,
       CASE WHEN regexp_full_match(e.tax_code,
                 '[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]')
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
       nullif(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(translate(coalesce(e.surname_fold, ''), 'KQZ', 'CCS'), '[^BCDFGLMNPRSTVX]', '', 'g'), 'BB+', 'B', 'g'), 'CC+', 'C', 'g'), 'DD+', 'D', 'g'), 'FF+', 'F', 'g'), 'GG+', 'G', 'g'), 'LL+', 'L', 'g'), 'MM+', 'M', 'g'), 'NN+', 'N', 'g'), 'PP+', 'P', 'g'), 'RR+', 'R', 'g'), 'SS+', 'S', 'g'), 'TT+', 'T', 'g'), 'VV+', 'V', 'g'), 'XX+', 'X', 'g'), '') AS surname_sound,
       nullif(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(translate(coalesce(e.given_name_fold, ''), 'KQZ', 'CCS'), '[^BCDFGLMNPRSTVX]', '', 'g'), 'BB+', 'B', 'g'), 'CC+', 'C', 'g'), 'DD+', 'D', 'g'), 'FF+', 'F', 'g'), 'GG+', 'G', 'g'), 'LL+', 'L', 'g'), 'MM+', 'M', 'g'), 'NN+', 'N', 'g'), 'PP+', 'P', 'g'), 'RR+', 'R', 'g'), 'SS+', 'S', 'g'), 'TT+', 'T', 'g'), 'VV+', 'V', 'g'), 'XX+', 'X', 'g'), '') AS given_name_sound,
       list_transform(CAST(? AS VARCHAR[]), h -> nullif(upper(trim(CAST(element_at(e.extras, h)[1] AS VARCHAR))), '')) AS extra_values
FROM e
LEFT JOIN pm USING (record_key);
