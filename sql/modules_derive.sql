-- Attach every enrolment to a module, over each province's whole current
-- catalogue (the modules sheets of all its files, whichever run loaded them):
--   1. the row's module code equals a catalogue code;
--   2. the row's module (as typed in the title column) equals a catalogue code;
--   3. title + edition (a catalogue whose "Edizione" column became its code included);
--   4. title + site;
--   5. title, when the title is unique in the province's catalogue.
-- Codes are compared folded like sources.FoldCode: lower case, white space removed.
-- An enrolment that matches nothing gets a module derived from the rows
-- themselves (title, edition, site, axis, hours as typed) and, when its
-- province has a catalogue, the flag module_not_in_catalogue (or
-- module_ambiguous when its title is in the catalogue several times) in
-- issues and in its flags.
DELETE FROM modules WHERE NOT from_catalogue;

UPDATE enrolments SET module_id = NULL;

UPDATE enrolments SET module_id = best.module_id
FROM (
    WITH cat AS (
        SELECT m.*, lower(regexp_replace(m.module_code, '\s+', '', 'g')) AS code_fold,
               count(*) OVER (PARTITION BY m.province_code, m.title_fold) AS title_count
        FROM modules m
        WHERE m.from_catalogue
    )
    SELECT enrolment_id, arg_min(module_id, rank) AS module_id
    FROM (
        SELECT e.enrolment_id, m.module_id,
               CASE
                   WHEN e.module_code IS NOT NULL AND m.code_fold IS NOT NULL
                        AND lower(regexp_replace(e.module_code, '\s+', '', 'g')) = m.code_fold THEN 1
                   WHEN m.code_fold IS NOT NULL
                        AND lower(regexp_replace(e.module_title, '\s+', '', 'g')) = m.code_fold THEN 2
                   WHEN e.module_fold = m.title_fold AND e.edition IS NOT NULL
                        AND lower(regexp_replace(e.edition, '\s+', '', 'g'))
                            IN (lower(regexp_replace(coalesce(m.edition, ''), '\s+', '', 'g')),
                                coalesce(m.code_fold, '')) THEN 3
                   WHEN e.module_fold = m.title_fold AND e.site IS NOT NULL
                        AND lower(trim(e.site)) = lower(trim(coalesce(m.site, ''))) THEN 4
                   WHEN e.module_fold = m.title_fold AND e.module_code IS NULL AND m.title_count = 1 THEN 5
               END AS rank
        FROM enrolments e
        JOIN cat m ON m.province_code = e.province_code
    )
    WHERE rank IS NOT NULL
    GROUP BY enrolment_id
) AS best
WHERE enrolments.enrolment_id = best.enrolment_id;

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
WHERE e.module_id IS NULL
  AND e.province_code IN (SELECT province_code FROM modules WHERE from_catalogue);

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
    FROM enrolments WHERE module_id IS NULL
)
GROUP BY key, province_code;

UPDATE enrolments SET module_id = province_code || ':' || coalesce(upper(trim(module_code)),
       module_fold || '|' || coalesce(lower(trim(edition)), '') || '|' || coalesce(lower(trim(site)), ''))
WHERE module_id IS NULL;
