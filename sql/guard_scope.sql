-- The province the shrink guard's snapshot is about (a temporary table of
-- the guard's connection).
CREATE OR REPLACE TEMP TABLE guard_scope AS SELECT CAST(? AS VARCHAR) AS province_code;
