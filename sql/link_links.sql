-- link_links: person_links from the scratch tables Go filled
-- (sql/link_links_scratch.sql). The levels' MAP is built once per distinct
-- level vector and joined in: building a MAP checks its keys one by one.
-- {{names}} are the comparison names, {{labels}} each comparison's label
-- picked by its level, {{weights}} the weight columns.
-- Parameter 1: the run_id.
CREATE OR REPLACE TEMP TABLE link_lmap AS
SELECT lid, MAP([{{names}}], [{{labels}}]) AS levels FROM link_lpat;

INSERT INTO person_links
SELECT CAST(? AS VARCHAR), lr.enrolment_id, rr.enrolment_id, lr.record_key, rr.record_key,
       lm.levels,
       MAP([{{names}}], [{{weights}}]),
       s.weight, s.prob, s.decision, s.source, s.detail
FROM link_links AS s
JOIN link_rec AS lr ON lr.rid = s.l
JOIN link_rec AS rr ON rr.rid = s.r
JOIN link_lmap AS lm USING (lid);
