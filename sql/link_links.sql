-- link_links: person_links from the scratch table link_links that Go filled
-- with record numbers, level indexes (lv<k>) and weights (w<k>) per
-- comparison. {{names}} are the comparison names, {{labels}} each
-- comparison's label picked by its level, {{weights}} the weight columns.
-- Parameter 1: the run_id.
INSERT INTO person_links
SELECT CAST(? AS VARCHAR), lr.enrolment_id, rr.enrolment_id, lr.record_key, rr.record_key,
       MAP([{{names}}], [{{labels}}]),
       MAP([{{names}}], [{{weights}}]),
       s.weight, s.prob, s.decision, s.source, s.detail
FROM link_links AS s
JOIN link_rec AS lr ON lr.rid = s.l
JOIN link_rec AS rr ON rr.rid = s.r;
