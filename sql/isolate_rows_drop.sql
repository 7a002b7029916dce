-- isolate_rows_drop: removes the rows isolate_rows added.
DELETE FROM enrolments
WHERE province_code = (SELECT province FROM isolate_ctx)
  AND run_id = (SELECT run_id FROM isolate_ctx);
