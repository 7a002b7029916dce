-- 003: the analysts' views over the warehouse, the axes reference table and
-- the age_band macro. Every view and column carries a COMMENT ON description
-- (read them with: SELECT table_name, column_name, comment FROM duckdb_columns()).
--
-- Definitions (domain.md, the Cremona table):
--   application   = one enrolments row, whatever its status;
--   participation = an application with status 'accepted' (accepted and not withdrawn);
--   "accepted" in the funder's sense = status accepted + withdrawn (353 = 314 + 39);
--   percentages are fractions (0.72 = 72%) of the applications, except sex and
--   organisation-type shares, which are of the participations;
--   year = year of the module's start date, else of the application date;
--   the region (level 'region', province_code NULL) counts a person once across provinces.
-- These views use enrolments.person_id only, never the persons table, so they
-- work whatever the person-linking step stores beside it.

CREATE TABLE axes (
    axis     VARCHAR PRIMARY KEY,
    ordinal  INTEGER NOT NULL,
    title_it VARCHAR NOT NULL,
    title_en VARCHAR NOT NULL
);
INSERT INTO axes VALUES
    ('I',   1, 'Educazione e apprendimento: dalla lingua ai valori', 'Education and learning: from language to values'),
    ('II',  2, 'Lavoro', 'Work'),
    ('III', 3, 'Alloggio e governo del territorio', 'Housing and land management'),
    ('IV',  4, 'Accesso ai servizi essenziali', 'Access to essential services'),
    ('V',   5, 'Minori e seconde generazioni', 'Minors and second generations');
COMMENT ON TABLE axes IS 'The five axes (assi) of the integration plan; every module belongs to one.';
COMMENT ON COLUMN axes.axis IS 'Roman numeral of the axis: I, II, III, IV, V.';
COMMENT ON COLUMN axes.ordinal IS 'Position of the axis, 1 to 5, for sorting.';
COMMENT ON COLUMN axes.title_it IS 'Italian title of the axis, as in the programme.';
COMMENT ON COLUMN axes.title_en IS 'English translation of the title.';

-- age_band(birth_date, year): the age band of someone born on birth_date during
-- the calendar year `year` (age = year - birth year): <30, 30-39, 40-49, 50-59, 60+.
CREATE MACRO age_band(birth, yr) AS
    CASE
        WHEN birth IS NULL OR yr IS NULL THEN NULL
        WHEN yr - year(birth) < 30 THEN '<30'
        WHEN yr - year(birth) < 40 THEN '30-39'
        WHEN yr - year(birth) < 50 THEN '40-49'
        WHEN yr - year(birth) < 60 THEN '50-59'
        ELSE '60+'
    END;

CREATE VIEW applications AS
WITH a AS (
    SELECT
        e.enrolment_id,
        e.province_code,
        e.person_id,
        e.module_id,
        coalesce(m.title, e.module_title)         AS module_title,
        coalesce(m.site, e.site)                  AS site,
        coalesce(m.axis, e.axis)                  AS axis,
        coalesce(m.planned_hours, e.planned_hours) AS planned_hours,
        coalesce(m.sessions, e.sessions)          AS sessions,
        coalesce(m.start_date, e.start_date)      AS start_date,
        coalesce(m.end_date, e.end_date)          AS end_date,
        e.application_date,
        e.status,
        e.sex,
        e.birth_date,
        e.organisation,
        e.organisation_type,
        e.role,
        e.hours_attended,
        e.satisfaction,
        e.source_file,
        e.sheet,
        e.source_row,
        e.run_id
    FROM enrolments e
    LEFT JOIN modules m ON m.module_id = e.module_id
)
SELECT
    enrolment_id, province_code, person_id, module_id, module_title, site, axis,
    planned_hours, sessions, start_date, end_date, application_date,
    CAST(coalesce(year(start_date), year(application_date)) AS INTEGER) AS year,
    status, sex, birth_date,
    age_band(birth_date, coalesce(year(start_date), year(application_date))) AS age_band,
    organisation, organisation_type, role, hours_attended,
    CASE WHEN planned_hours > 0 THEN hours_attended / planned_hours END AS attendance,
    satisfaction, source_file, sheet, source_row, run_id
FROM a;

COMMENT ON VIEW applications IS 'One row per application (enrolments row, any status) with the module''s site, axis, hours and dates resolved from the modules table. The funder''s "domande di iscrizione".';
COMMENT ON COLUMN applications.enrolment_id IS 'Key of the enrolments row (hex, from the source file hash, sheet and row).';
COMMENT ON COLUMN applications.province_code IS 'Province (sigla, e.g. CR) whose office sent the list.';
COMMENT ON COLUMN applications.person_id IS 'Linked person (NULL until the person-linking step has run).';
COMMENT ON COLUMN applications.module_id IS 'Module applied for (modules.module_id).';
COMMENT ON COLUMN applications.module_title IS 'Title of the module.';
COMMENT ON COLUMN applications.site IS 'Site (sede) where the module is held.';
COMMENT ON COLUMN applications.axis IS 'Axis of the module: I..V (see table axes).';
COMMENT ON COLUMN applications.planned_hours IS 'Planned hours of the module.';
COMMENT ON COLUMN applications.sessions IS 'Number of sessions (incontri formativi) of the module.';
COMMENT ON COLUMN applications.start_date IS 'First day of the module.';
COMMENT ON COLUMN applications.end_date IS 'Last day of the module.';
COMMENT ON COLUMN applications.application_date IS 'Date of the application, when the list records it.';
COMMENT ON COLUMN applications.year IS 'Year of the module''s start date, else of the application date; NULL when neither is known.';
COMMENT ON COLUMN applications.status IS 'accepted (participation), not_accepted, withdrawn (accepted, then withdrew before the course); NULL when unreadable.';
COMMENT ON COLUMN applications.sex IS 'F or M as declared, else as derived from a valid tax code; NULL when unknown.';
COMMENT ON COLUMN applications.birth_date IS 'Date of birth (personal data).';
COMMENT ON COLUMN applications.age_band IS 'Age band in the module''s year: <30, 30-39, 40-49, 50-59, 60+.';
COMMENT ON COLUMN applications.organisation IS 'Employer (ente di appartenenza) as typed.';
COMMENT ON COLUMN applications.organisation_type IS 'Kind of employer: Comune, ASL, Questura, third sector, ...';
COMMENT ON COLUMN applications.role IS 'Role or job title (qualifica) as typed.';
COMMENT ON COLUMN applications.hours_attended IS 'Hours attended, as recorded by the provincial office.';
COMMENT ON COLUMN applications.attendance IS 'hours_attended / planned_hours, a fraction (0.75 = 75%).';
COMMENT ON COLUMN applications.satisfaction IS 'Satisfaction score from the questionnaire, 1 (lowest) to 5.';
COMMENT ON COLUMN applications.source_file IS 'File the row was read from.';
COMMENT ON COLUMN applications.sheet IS 'Sheet of the file ('''' for CSV).';
COMMENT ON COLUMN applications.source_row IS 'Row number in the sheet, as a spreadsheet program shows it.';
COMMENT ON COLUMN applications.run_id IS 'Run that loaded the row.';

CREATE VIEW participations AS
SELECT
    enrolment_id, province_code, person_id, module_id, module_title, site, axis,
    planned_hours, sessions, start_date, end_date, application_date, year,
    sex, birth_date, age_band, organisation, organisation_type, role,
    hours_attended, attendance, satisfaction, source_file, sheet, source_row, run_id
FROM applications
WHERE status = 'accepted';

COMMENT ON VIEW participations IS 'One row per actual participation: an application with status accepted (accepted and not withdrawn). The funder''s "partecipazioni effettive".';
COMMENT ON COLUMN participations.enrolment_id IS 'Key of the enrolments row (hex, from the source file hash, sheet and row).';
COMMENT ON COLUMN participations.province_code IS 'Province (sigla, e.g. CR) whose office sent the list.';
COMMENT ON COLUMN participations.person_id IS 'Linked person (NULL until the person-linking step has run).';
COMMENT ON COLUMN participations.module_id IS 'Module attended (modules.module_id).';
COMMENT ON COLUMN participations.module_title IS 'Title of the module.';
COMMENT ON COLUMN participations.site IS 'Site (sede) where the module is held.';
COMMENT ON COLUMN participations.axis IS 'Axis of the module: I..V (see table axes).';
COMMENT ON COLUMN participations.planned_hours IS 'Planned hours of the module.';
COMMENT ON COLUMN participations.sessions IS 'Number of sessions (incontri formativi) of the module.';
COMMENT ON COLUMN participations.start_date IS 'First day of the module.';
COMMENT ON COLUMN participations.end_date IS 'Last day of the module.';
COMMENT ON COLUMN participations.application_date IS 'Date of the application, when the list records it.';
COMMENT ON COLUMN participations.year IS 'Year of the module''s start date, else of the application date; NULL when neither is known.';
COMMENT ON COLUMN participations.sex IS 'F or M as declared, else as derived from a valid tax code; NULL when unknown.';
COMMENT ON COLUMN participations.birth_date IS 'Date of birth (personal data).';
COMMENT ON COLUMN participations.age_band IS 'Age band in the module''s year: <30, 30-39, 40-49, 50-59, 60+.';
COMMENT ON COLUMN participations.organisation IS 'Employer (ente di appartenenza) as typed.';
COMMENT ON COLUMN participations.organisation_type IS 'Kind of employer: Comune, ASL, Questura, third sector, ...';
COMMENT ON COLUMN participations.role IS 'Role or job title (qualifica) as typed.';
COMMENT ON COLUMN participations.hours_attended IS 'Hours attended, as recorded by the provincial office.';
COMMENT ON COLUMN participations.attendance IS 'hours_attended / planned_hours, a fraction (0.75 = 75%).';
COMMENT ON COLUMN participations.satisfaction IS 'Satisfaction score from the questionnaire, 1 (lowest) to 5.';
COMMENT ON COLUMN participations.source_file IS 'File the row was read from.';
COMMENT ON COLUMN participations.sheet IS 'Sheet of the file ('''' for CSV).';
COMMENT ON COLUMN participations.source_row IS 'Row number in the sheet, as a spreadsheet program shows it.';
COMMENT ON COLUMN participations.run_id IS 'Run that loaded the row.';

CREATE VIEW person_summary AS
SELECT
    person_id,
    mode(sex)                                                   AS sex,
    mode(birth_date)                                            AS birth_date,
    mode(organisation_type)                                     AS organisation_type,
    count(*)                                                    AS applications,
    count(*) FILTER (WHERE status = 'accepted')                 AS participations,
    count(*) FILTER (WHERE status = 'withdrawn')                AS withdrawals,
    count(*) FILTER (WHERE status = 'not_accepted')             AS not_accepted,
    count(DISTINCT province_code)                               AS province_count,
    list(DISTINCT province_code ORDER BY province_code)         AS provinces,
    first(province_code ORDER BY year NULLS LAST, start_date NULLS LAST, province_code) AS first_province,
    min(year)                                                   AS first_year,
    max(year)                                                   AS last_year,
    sum(hours_attended) FILTER (WHERE status = 'accepted')      AS hours_attended
FROM applications
WHERE person_id IS NOT NULL
GROUP BY person_id;

COMMENT ON VIEW person_summary IS 'One row per linked person who applied at least once, with counts over all provinces. Names and contacts are in enrolments (and persons), not here.';
COMMENT ON COLUMN person_summary.person_id IS 'Linked person.';
COMMENT ON COLUMN person_summary.sex IS 'Most frequent sex over the person''s applications.';
COMMENT ON COLUMN person_summary.birth_date IS 'Most frequent date of birth over the person''s applications (personal data).';
COMMENT ON COLUMN person_summary.organisation_type IS 'Most frequent kind of employer.';
COMMENT ON COLUMN person_summary.applications IS 'Applications, any status.';
COMMENT ON COLUMN person_summary.participations IS 'Actual participations (status accepted).';
COMMENT ON COLUMN person_summary.withdrawals IS 'Applications accepted and then withdrawn.';
COMMENT ON COLUMN person_summary.not_accepted IS 'Applications not accepted.';
COMMENT ON COLUMN person_summary.province_count IS 'Number of provinces the person applied in.';
COMMENT ON COLUMN person_summary.provinces IS 'Provinces (sigle) the person applied in, sorted.';
COMMENT ON COLUMN person_summary.first_province IS 'Province of the earliest application (by year, then start date, then sigla).';
COMMENT ON COLUMN person_summary.first_year IS 'Year of the earliest application.';
COMMENT ON COLUMN person_summary.last_year IS 'Year of the latest application.';
COMMENT ON COLUMN person_summary.hours_attended IS 'Hours attended over all participations.';

CREATE VIEW indicators AS
WITH scopes AS (
    SELECT 'region' AS level, CAST(NULL AS VARCHAR) AS province_code
    UNION ALL
    SELECT DISTINCT 'province', province_code
    FROM (SELECT province_code FROM enrolments UNION SELECT province_code FROM modules)
),
apps AS (
    SELECT
        CASE WHEN grouping(province_code) = 1 THEN 'region' ELSE 'province' END AS level,
        province_code,
        count(*)                                                         AS applications,
        count(*) FILTER (WHERE status = 'not_accepted')                  AS not_accepted,
        count(*) FILTER (WHERE status IN ('accepted', 'withdrawn'))      AS accepted,
        count(*) FILTER (WHERE status = 'withdrawn')                     AS withdrawn,
        count(*) FILTER (WHERE status = 'accepted')                      AS participations,
        count(*) FILTER (WHERE status IS NULL)                           AS status_unknown,
        count(*) FILTER (WHERE status = 'accepted' AND sex = 'F')        AS women,
        count(*) FILTER (WHERE status = 'accepted' AND sex = 'M')        AS men,
        count(*) FILTER (WHERE status = 'accepted' AND sex IS NULL)      AS sex_unknown,
        count(DISTINCT person_id) FILTER (WHERE status = 'accepted')     AS persons,
        sum(hours_attended) FILTER (WHERE status = 'accepted' AND hours_attended IS NOT NULL AND planned_hours > 0)
            / sum(planned_hours) FILTER (WHERE status = 'accepted' AND hours_attended IS NOT NULL AND planned_hours > 0)
                                                                         AS attendance,
        count(*) FILTER (WHERE status = 'accepted' AND hours_attended IS NOT NULL AND planned_hours > 0)
                                                                         AS attendance_rows,
        avg(satisfaction) FILTER (WHERE status = 'accepted')             AS satisfaction,
        count(satisfaction) FILTER (WHERE status = 'accepted')           AS satisfaction_rows
    FROM applications
    GROUP BY GROUPING SETS ((province_code), ())
),
per_province AS (
    SELECT province_code, person_id, count(*) AS n
    FROM applications
    WHERE status = 'accepted' AND person_id IS NOT NULL
    GROUP BY ALL
),
repeaters AS (
    SELECT 'province' AS level, province_code, count(*) FILTER (WHERE n > 1) AS repeaters
    FROM per_province GROUP BY province_code
    UNION ALL
    SELECT 'region', NULL, count(*) FILTER (WHERE n > 1)
    FROM (SELECT person_id, sum(n) AS n FROM per_province GROUP BY person_id)
),
mods AS (
    SELECT
        CASE WHEN grouping(province_code) = 1 THEN 'region' ELSE 'province' END AS level,
        province_code,
        count(*)           AS modules,
        sum(planned_hours) AS hours_delivered,
        CAST(sum(sessions) AS BIGINT)      AS sessions
    FROM modules
    GROUP BY GROUPING SETS ((province_code), ())
),
stale AS (
    SELECT 'province' AS level, p.province_code, p.stale_since,
           CASE WHEN p.stale_since IS NOT NULL THEN [p.province_code] ELSE CAST([] AS VARCHAR[]) END AS stale_provinces
    FROM provinces p
    UNION ALL
    SELECT 'region', NULL, min(p.stale_since),
           coalesce(list(p.province_code ORDER BY p.province_code) FILTER (WHERE p.stale_since IS NOT NULL), CAST([] AS VARCHAR[]))
    FROM provinces p
    WHERE p.province_code IN (SELECT province_code FROM scopes WHERE level = 'province')
)
SELECT
    s.level,
    s.province_code,
    CASE WHEN s.level = 'region' THEN 'Lombardia' ELSE coalesce(p.name, s.province_code) END AS name,
    coalesce(a.applications, 0)   AS applications,
    coalesce(a.not_accepted, 0)   AS not_accepted,
    coalesce(a.accepted, 0)       AS accepted,
    coalesce(a.withdrawn, 0)      AS withdrawn,
    coalesce(a.participations, 0) AS participations,
    coalesce(a.status_unknown, 0) AS status_unknown,
    a.not_accepted   / nullif(a.applications, 0) AS not_accepted_share,
    a.withdrawn      / nullif(a.applications, 0) AS withdrawn_share,
    a.participations / nullif(a.applications, 0) AS participations_share,
    coalesce(a.women, 0)       AS women,
    coalesce(a.men, 0)         AS men,
    coalesce(a.sex_unknown, 0) AS sex_unknown,
    a.women / nullif(a.participations, 0) AS women_share,
    a.men   / nullif(a.participations, 0) AS men_share,
    coalesce(a.persons, 0)     AS persons,
    coalesce(r.repeaters, 0)   AS repeaters,
    coalesce(m.modules, 0)     AS modules,
    coalesce(m.hours_delivered, 0) AS hours_delivered,
    coalesce(m.sessions, 0)    AS sessions,
    a.attendance,
    coalesce(a.attendance_rows, 0) AS attendance_rows,
    a.satisfaction,
    coalesce(a.satisfaction_rows, 0) AS satisfaction_rows,
    st.stale_since,
    coalesce(st.stale_provinces, CAST([] AS VARCHAR[])) AS stale_provinces
FROM scopes s
LEFT JOIN provinces p ON s.level = 'province' AND p.province_code = s.province_code
LEFT JOIN apps a      ON a.level = s.level AND a.province_code IS NOT DISTINCT FROM s.province_code
LEFT JOIN repeaters r ON r.level = s.level AND r.province_code IS NOT DISTINCT FROM s.province_code
LEFT JOIN mods m      ON m.level = s.level AND m.province_code IS NOT DISTINCT FROM s.province_code
LEFT JOIN stale st    ON st.level = s.level AND st.province_code IS NOT DISTINCT FROM s.province_code;

COMMENT ON VIEW indicators IS 'The funder''s table: one row per province present in the data (level province) and one for the whole region (level region, province_code NULL, persons counted once across provinces). Filter on level before summing. Shares are fractions (0.72 = 72%).';
COMMENT ON COLUMN indicators.level IS 'province or region.';
COMMENT ON COLUMN indicators.province_code IS 'Province (sigla); NULL on the region row.';
COMMENT ON COLUMN indicators.name IS 'Province name (provinces.name), or Lombardia for the region.';
COMMENT ON COLUMN indicators.applications IS 'Applications (domande di iscrizione): every enrolments row.';
COMMENT ON COLUMN indicators.not_accepted IS 'Applications not accepted (non accettate).';
COMMENT ON COLUMN indicators.accepted IS 'Applications accepted, including those later withdrawn (accettate = participations + withdrawn).';
COMMENT ON COLUMN indicators.withdrawn IS 'Accepted applications withdrawn before the course (ritirati).';
COMMENT ON COLUMN indicators.participations IS 'Actual participations (partecipazioni effettive): status accepted.';
COMMENT ON COLUMN indicators.status_unknown IS 'Applications whose status was unreadable (flagged in issues).';
COMMENT ON COLUMN indicators.not_accepted_share IS 'not_accepted / applications.';
COMMENT ON COLUMN indicators.withdrawn_share IS 'withdrawn / applications.';
COMMENT ON COLUMN indicators.participations_share IS 'participations / applications.';
COMMENT ON COLUMN indicators.women IS 'Participations by women.';
COMMENT ON COLUMN indicators.men IS 'Participations by men.';
COMMENT ON COLUMN indicators.sex_unknown IS 'Participations whose sex is unknown.';
COMMENT ON COLUMN indicators.women_share IS 'women / participations.';
COMMENT ON COLUMN indicators.men_share IS 'men / participations.';
COMMENT ON COLUMN indicators.persons IS 'Distinct persons among the participations (persone distinte).';
COMMENT ON COLUMN indicators.repeaters IS 'Persons with more than one participation in the scope (in the province; in the region: over all provinces).';
COMMENT ON COLUMN indicators.modules IS 'Modules of the scope (rows of the modules table).';
COMMENT ON COLUMN indicators.hours_delivered IS 'Training hours delivered: sum of the modules'' planned hours.';
COMMENT ON COLUMN indicators.sessions IS 'Sessions (incontri formativi): sum of the modules'' sessions.';
COMMENT ON COLUMN indicators.attendance IS 'Average attendance: sum(hours_attended) / sum(planned_hours) over participations with hours recorded, a fraction.';
COMMENT ON COLUMN indicators.attendance_rows IS 'Participations with hours recorded (the base of attendance).';
COMMENT ON COLUMN indicators.satisfaction IS 'Average satisfaction (1-5) over participations with a score.';
COMMENT ON COLUMN indicators.satisfaction_rows IS 'Participations with a satisfaction score (the base of satisfaction).';
COMMENT ON COLUMN indicators.stale_since IS 'When the province''s data stopped being refreshed (earliest among the provinces on the region row); NULL when current.';
COMMENT ON COLUMN indicators.stale_provinces IS 'Provinces (sigle) whose data is stale.';

CREATE VIEW indicators_module AS
SELECT
    m.province_code,
    m.module_id,
    m.title AS module_title,
    m.site,
    m.axis,
    m.planned_hours,
    m.sessions,
    m.start_date,
    m.end_date,
    count(a.enrolment_id)                                        AS applications,
    count(*) FILTER (WHERE a.status = 'not_accepted')            AS not_accepted,
    count(*) FILTER (WHERE a.status = 'withdrawn')               AS withdrawn,
    count(*) FILTER (WHERE a.status = 'accepted')                AS participations,
    count(*) FILTER (WHERE a.status = 'accepted' AND a.sex = 'F') AS women,
    count(*) FILTER (WHERE a.status = 'accepted' AND a.sex = 'M') AS men,
    sum(a.hours_attended) FILTER (WHERE a.status = 'accepted' AND a.hours_attended IS NOT NULL AND a.planned_hours > 0)
        / sum(a.planned_hours) FILTER (WHERE a.status = 'accepted' AND a.hours_attended IS NOT NULL AND a.planned_hours > 0)
                                                                 AS attendance,
    avg(a.satisfaction) FILTER (WHERE a.status = 'accepted')     AS satisfaction
FROM modules m
LEFT JOIN applications a ON a.module_id = m.module_id
GROUP BY ALL;

COMMENT ON VIEW indicators_module IS 'One row per module with its applications, participations, attendance and satisfaction.';
COMMENT ON COLUMN indicators_module.province_code IS 'Province (sigla) that runs the module.';
COMMENT ON COLUMN indicators_module.module_id IS 'Module (modules.module_id).';
COMMENT ON COLUMN indicators_module.module_title IS 'Title of the module.';
COMMENT ON COLUMN indicators_module.site IS 'Site (sede) of the module.';
COMMENT ON COLUMN indicators_module.axis IS 'Axis of the module: I..V.';
COMMENT ON COLUMN indicators_module.planned_hours IS 'Planned hours of the module.';
COMMENT ON COLUMN indicators_module.sessions IS 'Sessions (incontri formativi) of the module.';
COMMENT ON COLUMN indicators_module.start_date IS 'First day of the module.';
COMMENT ON COLUMN indicators_module.end_date IS 'Last day of the module.';
COMMENT ON COLUMN indicators_module.applications IS 'Applications for the module, any status.';
COMMENT ON COLUMN indicators_module.not_accepted IS 'Applications not accepted.';
COMMENT ON COLUMN indicators_module.withdrawn IS 'Applications accepted then withdrawn.';
COMMENT ON COLUMN indicators_module.participations IS 'Actual participations (status accepted).';
COMMENT ON COLUMN indicators_module.women IS 'Participations by women.';
COMMENT ON COLUMN indicators_module.men IS 'Participations by men.';
COMMENT ON COLUMN indicators_module.attendance IS 'sum(hours_attended) / sum(planned_hours) over participations with hours recorded, a fraction.';
COMMENT ON COLUMN indicators_module.satisfaction IS 'Average satisfaction (1-5) over participations with a score.';

CREATE VIEW indicators_axis AS
WITH mods AS (
    SELECT
        CASE WHEN grouping(province_code) = 1 THEN 'region' ELSE 'province' END AS level,
        province_code, axis,
        count(*) AS modules, sum(planned_hours) AS hours_delivered, CAST(sum(sessions) AS BIGINT) AS sessions
    FROM modules
    GROUP BY GROUPING SETS ((province_code, axis), (axis))
),
parts AS (
    SELECT
        CASE WHEN grouping(province_code) = 1 THEN 'region' ELSE 'province' END AS level,
        province_code, axis,
        count(*) AS participations, count(DISTINCT person_id) AS persons
    FROM participations
    GROUP BY GROUPING SETS ((province_code, axis), (axis))
)
SELECT
    coalesce(m.level, p.level) AS level,
    coalesce(m.province_code, p.province_code) AS province_code,
    coalesce(m.axis, p.axis) AS axis,
    x.title_it AS axis_title,
    coalesce(m.modules, 0) AS modules,
    coalesce(m.hours_delivered, 0) AS hours_delivered,
    coalesce(m.sessions, 0) AS sessions,
    coalesce(p.participations, 0) AS participations,
    coalesce(p.persons, 0) AS persons
FROM mods m
FULL JOIN parts p ON p.level = m.level
    AND p.province_code IS NOT DISTINCT FROM m.province_code
    AND p.axis IS NOT DISTINCT FROM m.axis
LEFT JOIN axes x ON x.axis = coalesce(m.axis, p.axis);

COMMENT ON VIEW indicators_axis IS 'Modules, hours, sessions, participations and persons by axis, per province (level province) and for the region (level region, province_code NULL). Axes with no module in a province have no row.';
COMMENT ON COLUMN indicators_axis.level IS 'province or region.';
COMMENT ON COLUMN indicators_axis.province_code IS 'Province (sigla); NULL on region rows.';
COMMENT ON COLUMN indicators_axis.axis IS 'Axis: I..V; NULL for modules whose axis is unknown.';
COMMENT ON COLUMN indicators_axis.axis_title IS 'Italian title of the axis.';
COMMENT ON COLUMN indicators_axis.modules IS 'Modules of the axis.';
COMMENT ON COLUMN indicators_axis.hours_delivered IS 'Sum of the planned hours of those modules.';
COMMENT ON COLUMN indicators_axis.sessions IS 'Sum of the sessions of those modules.';
COMMENT ON COLUMN indicators_axis.participations IS 'Participations in modules of the axis.';
COMMENT ON COLUMN indicators_axis.persons IS 'Distinct persons among those participations.';

CREATE VIEW indicators_site AS
WITH mods AS (
    SELECT province_code, site,
           count(*) AS modules, sum(planned_hours) AS hours_delivered, CAST(sum(sessions) AS BIGINT) AS sessions
    FROM modules GROUP BY ALL
),
parts AS (
    SELECT province_code, site, count(*) AS participations, count(DISTINCT person_id) AS persons
    FROM participations GROUP BY ALL
)
SELECT
    coalesce(m.province_code, p.province_code) AS province_code,
    coalesce(m.site, p.site) AS site,
    coalesce(m.modules, 0) AS modules,
    coalesce(m.hours_delivered, 0) AS hours_delivered,
    coalesce(m.sessions, 0) AS sessions,
    coalesce(p.participations, 0) AS participations,
    coalesce(p.persons, 0) AS persons
FROM mods m
FULL JOIN parts p ON p.province_code = m.province_code AND p.site IS NOT DISTINCT FROM m.site;

COMMENT ON VIEW indicators_site IS 'Modules, hours, sessions, participations and persons by site (sede), per province.';
COMMENT ON COLUMN indicators_site.province_code IS 'Province (sigla).';
COMMENT ON COLUMN indicators_site.site IS 'Site (sede); NULL for modules whose site is unknown.';
COMMENT ON COLUMN indicators_site.modules IS 'Modules held at the site.';
COMMENT ON COLUMN indicators_site.hours_delivered IS 'Sum of the planned hours of those modules.';
COMMENT ON COLUMN indicators_site.sessions IS 'Sum of the sessions of those modules.';
COMMENT ON COLUMN indicators_site.participations IS 'Participations in modules held at the site.';
COMMENT ON COLUMN indicators_site.persons IS 'Distinct persons among those participations.';

CREATE VIEW indicators_sex AS
WITH g AS (
    SELECT
        CASE WHEN grouping(province_code) = 1 THEN 'region' ELSE 'province' END AS level,
        province_code, sex,
        count(*) AS participations, count(DISTINCT person_id) AS persons
    FROM participations
    GROUP BY GROUPING SETS ((province_code, sex), (sex))
)
SELECT level, province_code, sex, participations, persons,
       participations / sum(participations) OVER (PARTITION BY level, province_code) AS share
FROM g;

COMMENT ON VIEW indicators_sex IS 'Participations and persons by sex, per province (level province) and for the region (level region, province_code NULL).';
COMMENT ON COLUMN indicators_sex.level IS 'province or region.';
COMMENT ON COLUMN indicators_sex.province_code IS 'Province (sigla); NULL on region rows.';
COMMENT ON COLUMN indicators_sex.sex IS 'F, M, or NULL when unknown.';
COMMENT ON COLUMN indicators_sex.participations IS 'Participations.';
COMMENT ON COLUMN indicators_sex.persons IS 'Distinct persons among those participations.';
COMMENT ON COLUMN indicators_sex.share IS 'participations / all participations of the scope, a fraction.';

CREATE VIEW indicators_organisation_type AS
WITH g AS (
    SELECT
        CASE WHEN grouping(province_code) = 1 THEN 'region' ELSE 'province' END AS level,
        province_code, organisation_type,
        count(*) AS participations, count(DISTINCT person_id) AS persons
    FROM participations
    GROUP BY GROUPING SETS ((province_code, organisation_type), (organisation_type))
)
SELECT level, province_code, organisation_type, participations, persons,
       participations / sum(participations) OVER (PARTITION BY level, province_code) AS share
FROM g;

COMMENT ON VIEW indicators_organisation_type IS 'Participations and persons by kind of employer, per province (level province) and for the region (level region, province_code NULL).';
COMMENT ON COLUMN indicators_organisation_type.level IS 'province or region.';
COMMENT ON COLUMN indicators_organisation_type.province_code IS 'Province (sigla); NULL on region rows.';
COMMENT ON COLUMN indicators_organisation_type.organisation_type IS 'Kind of employer; NULL when unknown.';
COMMENT ON COLUMN indicators_organisation_type.participations IS 'Participations.';
COMMENT ON COLUMN indicators_organisation_type.persons IS 'Distinct persons among those participations.';
COMMENT ON COLUMN indicators_organisation_type.share IS 'participations / all participations of the scope, a fraction.';
