-- link_links_levels: the levels' MAP of each distinct level vector, built
-- once per vector and joined in by link_links (building a MAP checks its
-- keys one by one). {{view}} is Go's Arrow batch of the vectors (lid, then
-- lv<k>: comparison k's level index); {{names}} are the comparison names,
-- {{labels}} each comparison's label picked by its level.
CREATE OR REPLACE TEMP TABLE link_lmap AS
SELECT lid, MAP([{{names}}], [{{labels}}]) AS levels FROM {{view}};
