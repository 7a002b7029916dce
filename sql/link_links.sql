-- link_links: person_links, straight from the Arrow batches Go built
-- ({{view}}): per pair the two enrolment ids and record keys, what was
-- decided, its weights (w<k>: comparison k's) and the number of its level
-- vector (lid), whose MAP link_links_levels built. {{names}} are the
-- comparison names, {{weights}} the weight columns.
-- Parameter 1: the run_id.
INSERT INTO person_links
SELECT CAST(? AS VARCHAR), s.left_enrolment_id, s.right_enrolment_id, s.left_key, s.right_key,
       lm.levels,
       MAP([{{names}}], [{{weights}}]),
       s.weight, s.prob, s.decision, s.source, s.detail
FROM {{view}} AS s
JOIN link_lmap AS lm USING (lid);
