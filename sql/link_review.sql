-- link_review: the pairs an analyst should decide (person_links.decision =
-- 'review'), both rows side by side, most probable first; $1 of them at most.
-- Ties (the same records typed in several rows) in the order of their
-- enrolments, so the same warehouse gives the same workbook.
SELECT pl.left_key, pl.right_key, pl.probability, pl.match_weight, pl.source,
       CAST(map_keys(pl.levels) AS VARCHAR[]), CAST(map_values(pl.levels) AS VARCHAR[]),
       l.display_name, coalesce(l.tax_code, ''), coalesce(CAST(l.birth_date AS VARCHAR), ''), coalesce(l.sex, ''),
       coalesce(l.organisation, ''), l.module_title, l.province_code,
       l.source_file || '!' || l.sheet || '!' || CAST(l.source_row AS VARCHAR),
       r.display_name, coalesce(r.tax_code, ''), coalesce(CAST(r.birth_date AS VARCHAR), ''), coalesce(r.sex, ''),
       coalesce(r.organisation, ''), r.module_title, r.province_code,
       r.source_file || '!' || r.sheet || '!' || CAST(r.source_row AS VARCHAR)
FROM person_links AS pl
JOIN enrolments AS l ON l.enrolment_id = pl.left_enrolment_id
JOIN enrolments AS r ON r.enrolment_id = pl.right_enrolment_id
WHERE pl.decision = 'review'
ORDER BY pl.probability DESC, pl.left_key, pl.right_key, pl.left_enrolment_id, pl.right_enrolment_id
LIMIT $1;
