-- isolate_attach: the published warehouse, read-only, as isolate_pub. DuckDB
-- takes no parameter for ATTACH: Go substitutes :path with the path as a
-- quoted SQL literal.
ATTACH :path AS isolate_pub (READ_ONLY);
