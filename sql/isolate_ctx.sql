-- isolate_ctx: the province whose rows a later stage is retried without,
-- and the run. $1 province, $2 run id.
CREATE OR REPLACE TABLE isolate_ctx AS SELECT CAST($1 AS VARCHAR) AS province, CAST($2 AS VARCHAR) AS run_id;
