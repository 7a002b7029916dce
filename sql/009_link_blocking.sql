-- 009: what blocking did in each linkage run: pairs from sub-blocks of the
-- blocks too large to compare whole, the sub-blocks still too large and
-- dropped with the pairs they held, and per rule (a JSON array, in rule
-- order) the rule, its pairs, its sub-block pairs and its dropped pairs.
ALTER TABLE link_runs ADD COLUMN sub_block_pairs BIGINT DEFAULT 0;
ALTER TABLE link_runs ADD COLUMN dropped_blocks BIGINT DEFAULT 0;
ALTER TABLE link_runs ADD COLUMN dropped_pairs BIGINT DEFAULT 0;
ALTER TABLE link_runs ADD COLUMN rule_pairs JSON;
