-- Attach every enrolment to a module, over each province's whole current
-- catalogue (the modules sheets of all its files, whichever run loaded them):
--   1. the row's module code equals a catalogue code;
--   2. the row's module (as typed in the title column) equals a catalogue code;
--   3. title + edition (a catalogue whose "Edizione" column became its code included);
--   4. title + site;
--   5. title, when the title is unique in the province's catalogue.
-- The lowest rule wins; two catalogue modules by the same rule: the
-- smaller module_id. Codes are compared folded like sources.FoldCode:
-- lower case, white space removed.
-- An enrolment that matches nothing gets a module derived from the rows
-- themselves (title, edition, site, axis, hours as typed) and, when its
-- province has a catalogue, the flag module_not_in_catalogue (or
-- module_ambiguous when its title is in the catalogue several times) in
-- issues and in its flags.
-- Each rule is an equality join (rows and catalogue folded once each, not
-- once per pair), and enrolments are written once, only where their
-- module changes.
DELETE FROM modules WHERE NOT from_catalogue;

CREATE OR REPLACE TEMP TABLE module_match AS
WITH cat AS (
    SELECT module_id, province_code, title_fold,
           lower(regexp_replace(module_code, '\s+', '', 'g'))               AS code_fold,
           lower(regexp_replace(coalesce(edition, ''), '\s+', '', 'g'))     AS edition_fold,
           lower(trim(coalesce(site, '')))                                  AS site_fold,
           count(*) OVER (PARTITION BY province_code, title_fold)           AS title_count
    FROM modules
    WHERE from_catalogue
),
e AS (
    SELECT enrolment_id, province_code, module_fold,
           module_code IS NULL                                      AS no_code,
           lower(regexp_replace(module_code, '\s+', '', 'g'))       AS code_fold,
           lower(regexp_replace(module_title, '\s+', '', 'g'))      AS title_code_fold,
           lower(regexp_replace(edition, '\s+', '', 'g'))           AS edition_fold,
           lower(trim(site))                                        AS site_fold
    FROM enrolments
    WHERE province_code IN (SELECT province_code FROM cat)
),
pairs AS (
    SELECT e.enrolment_id, m.module_id, 1 AS rank
    FROM e JOIN cat m ON m.province_code = e.province_code AND m.code_fold = e.code_fold
    UNION ALL
    SELECT e.enrolment_id, m.module_id, 2
    FROM e JOIN cat m ON m.province_code = e.province_code AND m.code_fold = e.title_code_fold
    UNION ALL
    SELECT e.enrolment_id, m.module_id, 3
    FROM e JOIN cat m ON m.province_code = e.province_code AND m.title_fold = e.module_fold
                     AND m.edition_fold = e.edition_fold
    UNION ALL
    SELECT e.enrolment_id, m.module_id, 3
    FROM e JOIN cat m ON m.province_code = e.province_code AND m.title_fold = e.module_fold
                     AND coalesce(m.code_fold, '') = e.edition_fold
    UNION ALL
    SELECT e.enrolment_id, m.module_id, 4
    FROM e JOIN cat m ON m.province_code = e.province_code AND m.title_fold = e.module_fold
                     AND m.site_fold = e.site_fold
    UNION ALL
    SELECT e.enrolment_id, m.module_id, 5
    FROM e JOIN cat m ON m.province_code = e.province_code AND m.title_fold = e.module_fold
    WHERE e.no_code AND m.title_count = 1
)
SELECT enrolment_id, min({rank: rank, module_id: module_id}).module_id AS module_id
FROM pairs
GROUP BY enrolment_id;

-- The catalogue flags, recomputed from scratch.
DELETE FROM issues WHERE code IN ('module_not_in_catalogue', 'module_ambiguous');

UPDATE enrolments
SET flags = list_filter(flags, f -> f NOT IN ('module_not_in_catalogue', 'module_ambiguous'))
WHERE list_has_any(flags, ['module_not_in_catalogue', 'module_ambiguous']);

CREATE OR REPLACE TEMP TABLE module_misses AS
SELECT e.enrolment_id, e.run_id, e.province_code, e.source_file, e.source_sha256, e.sheet, e.source_row,
       CASE WHEN e.module_code IS NOT NULL AND e.module_code <> e.module_title
            THEN e.module_code || ' ' || e.module_title ELSE e.module_title END AS value,
       CASE WHEN (SELECT count(*) FROM modules m
                  WHERE m.from_catalogue AND m.province_code = e.province_code
                    AND m.title_fold = e.module_fold) > 1
            THEN 'module_ambiguous' ELSE 'module_not_in_catalogue' END AS code
FROM enrolments e
WHERE e.province_code IN (SELECT province_code FROM modules WHERE from_catalogue)
  AND NOT EXISTS (SELECT 1 FROM module_match mm WHERE mm.enrolment_id = e.enrolment_id);

INSERT INTO issues (run_id, province_code, source_file, source_sha256, sheet, source_row, cell, field, value, code)
SELECT run_id, province_code, source_file, source_sha256, sheet, source_row, NULL, 'module', value, code
FROM module_misses;

UPDATE enrolments SET flags = list_sort(list_append(coalesce(enrolments.flags, []), mm.code))
FROM module_misses mm
WHERE enrolments.enrolment_id = mm.enrolment_id;

DROP TABLE module_misses;

INSERT INTO modules (module_id, province_code, module_code, title, title_fold, edition, site, axis,
                     planned_hours, sessions, start_date, end_date, from_catalogue)
SELECT key, province_code, any_value(module_code), mode(module_title), any_value(module_fold),
       any_value(edition), mode(site), mode(axis), mode(planned_hours), mode(sessions),
       min(start_date), max(end_date), false
FROM (
    SELECT *, province_code || ':' || coalesce(upper(trim(module_code)),
              module_fold || '|' || coalesce(lower(trim(edition)), '') || '|' || coalesce(lower(trim(site)), '')) AS key
    FROM enrolments e
    WHERE NOT EXISTS (SELECT 1 FROM module_match mm WHERE mm.enrolment_id = e.enrolment_id)
)
GROUP BY key, province_code;

-- Every enrolment's module: its catalogue module, else the one derived from
-- the rows (the key above); written only where it changes.
UPDATE enrolments SET module_id = a.module_id
FROM (
    SELECT e.enrolment_id,
           coalesce(mm.module_id, e.province_code || ':' || coalesce(upper(trim(e.module_code)),
               e.module_fold || '|' || coalesce(lower(trim(e.edition)), '') || '|' || coalesce(lower(trim(e.site)), ''))) AS module_id
    FROM enrolments e
    LEFT JOIN module_match mm ON mm.enrolment_id = e.enrolment_id
) AS a
WHERE enrolments.enrolment_id = a.enrolment_id
  AND enrolments.module_id IS DISTINCT FROM a.module_id;

DROP TABLE module_match;
