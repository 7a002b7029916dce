-- 007: the fourth outcome and applications without a full name (issue 9).
--
-- An application whose status cell is empty or unreadable is loaded with
-- status 'not_indicated' (flagged status_missing or status_unreadable), so
-- applications = not_accepted + accepted (participations + withdrawn) +
-- not_indicated. A row that names a module and carries any identity
-- (surname, given name, tax code, e-mail or phone) is an application: its
-- missing names are NULL (flagged missing_surname / missing_given_name);
-- display_name stays NOT NULL ('' when both names are missing).

ALTER TABLE enrolments ALTER COLUMN surname DROP NOT NULL;
ALTER TABLE enrolments ALTER COLUMN given_name DROP NOT NULL;
ALTER TABLE enrolments ALTER COLUMN surname_fold DROP NOT NULL;
ALTER TABLE enrolments ALTER COLUMN given_name_fold DROP NOT NULL;

-- Rows loaded before 007 with an unreadable status (NULL).
UPDATE enrolments SET status = 'not_indicated' WHERE status IS NULL;

COMMENT ON COLUMN applications.status IS 'accepted (participation), not_accepted, withdrawn (accepted, then withdrew before the course), not_indicated (empty or unreadable; esito non indicato).';

-- indicators: status_unknown becomes not_indicated; indicators_module gains
-- not_indicated. Replacing a view drops its comments: they are all restated.
CREATE OR REPLACE VIEW indicators AS
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
        count(*) FILTER (WHERE status = 'not_indicated' OR status IS NULL) AS not_indicated,
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
    coalesce(a.not_indicated, 0)  AS not_indicated,
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
COMMENT ON COLUMN indicators.not_indicated IS 'Applications whose outcome is not indicated (esito non indicato): status not_indicated, the cell empty or unreadable (flagged status_missing or status_unreadable in issues) or so mapped in the config. Counted in applications, never in the other outcomes: applications = not_accepted + accepted + not_indicated.';
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

CREATE OR REPLACE VIEW indicators_module AS
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
    count(*) FILTER (WHERE a.status = 'not_indicated')           AS not_indicated,
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
COMMENT ON COLUMN indicators_module.not_indicated IS 'Applications whose outcome is not indicated (status not_indicated).';
COMMENT ON COLUMN indicators_module.women IS 'Participations by women.';
COMMENT ON COLUMN indicators_module.men IS 'Participations by men.';
COMMENT ON COLUMN indicators_module.attendance IS 'sum(hours_attended) / sum(planned_hours) over participations with hours recorded, a fraction.';
COMMENT ON COLUMN indicators_module.satisfaction IS 'Average satisfaction (1-5) over participations with a score.';
