-- The run report page: the pairs to explain, with both rows. $1 = true: the
-- review band (decision 'review'), at most $3 of them, the most probable
-- first (all of them are in review.xlsx); false: no pair is in review, so the
-- five pairs whose probability is closest to the match threshold $2.
WITH picked AS (
    SELECT * FROM person_links
    WHERE ($1 AND rowid IN (SELECT rowid FROM person_links WHERE decision = 'review'
                            ORDER BY probability DESC, left_enrolment_id, right_enrolment_id LIMIT $3))
       OR (NOT $1 AND rowid IN (SELECT rowid FROM person_links ORDER BY abs(probability - $2), left_enrolment_id, right_enrolment_id LIMIT 5))
)
SELECT k.left_enrolment_id, k.right_enrolment_id, k.decision, coalesce(k.source, '') AS source,
       coalesce(k.detail, '') AS detail, k.match_weight, k.probability,
       CAST(to_json(k.weights) AS VARCHAR) AS weights, CAST(to_json(k.levels) AS VARCHAR) AS levels,
       CAST(to_json([l.province_code, l.source_file, l.sheet, CAST(l.source_row AS VARCHAR), l.surname, l.given_name,
             l.tax_code, l.sex, CAST(l.birth_date AS VARCHAR), l.birth_place, l.email, l.phone, l.municipality,
             l.organisation, l.role, lm.title, l.status]) AS VARCHAR) AS left_row,
       CAST(to_json([r.province_code, r.source_file, r.sheet, CAST(r.source_row AS VARCHAR), r.surname, r.given_name,
             r.tax_code, r.sex, CAST(r.birth_date AS VARCHAR), r.birth_place, r.email, r.phone, r.municipality,
             r.organisation, r.role, rm.title, r.status]) AS VARCHAR) AS right_row
FROM picked k
JOIN enrolments l ON l.enrolment_id = k.left_enrolment_id
JOIN enrolments r ON r.enrolment_id = k.right_enrolment_id
LEFT JOIN modules lm ON lm.module_id = l.module_id
LEFT JOIN modules rm ON rm.module_id = r.module_id
ORDER BY k.probability DESC, k.left_enrolment_id, k.right_enrolment_id;
