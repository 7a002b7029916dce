-- Attach every enrolment to a module: a catalogue module when one matches
-- (by code; else title + edition; else title + site; else title when the
-- title is unique in the province's catalogue), otherwise a module derived
-- from the enrolment rows themselves (title, edition, site, axis, hours as typed).
DELETE FROM modules WHERE NOT from_catalogue;

UPDATE enrolments SET module_id = NULL;

UPDATE enrolments SET module_id = best.module_id
FROM (
    SELECT enrolment_id, arg_min(module_id, rank) AS module_id
    FROM (
        SELECT e.enrolment_id, m.module_id,
               CASE
                   WHEN e.module_code IS NOT NULL AND m.module_code IS NOT NULL
                        AND upper(trim(e.module_code)) = upper(trim(m.module_code)) THEN 1
                   WHEN e.module_fold = m.title_fold AND e.edition IS NOT NULL
                        AND lower(trim(e.edition)) = lower(trim(coalesce(m.edition, ''))) THEN 2
                   WHEN e.module_fold = m.title_fold AND e.site IS NOT NULL
                        AND lower(trim(e.site)) = lower(trim(coalesce(m.site, ''))) THEN 3
                   WHEN e.module_fold = m.title_fold AND e.module_code IS NULL
                        AND (SELECT count(*) FROM modules u
                             WHERE u.from_catalogue AND u.province_code = m.province_code
                               AND u.title_fold = m.title_fold) = 1 THEN 4
               END AS rank
        FROM enrolments e
        JOIN modules m ON m.from_catalogue AND m.province_code = e.province_code
    )
    WHERE rank IS NOT NULL
    GROUP BY enrolment_id
) AS best
WHERE enrolments.enrolment_id = best.enrolment_id;

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
