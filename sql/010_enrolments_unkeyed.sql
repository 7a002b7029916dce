-- 010: enrolments without the enrolment_id PRIMARY KEY (issue 11: its index
-- cost about a fifth of DuckDB's side of loading, merged at every COMMIT),
-- and file_claims, the narrow key that now does the one job the primary key
-- did for the loader: refusing the same bytes loaded for two provinces by two
-- transactions at once. enrolment_id stays unique: it is SHA-256 of the
-- file's digest, sheet and row, a file's rows are replaced as a whole, and the
-- file writer checks its own rows before COMMIT (sinks.FileWriter).
--
-- DuckDB cannot drop a key in place: the table is recreated, columns in the
-- same order (loaders and the shrink guard insert by position), rows kept.

ALTER TABLE enrolments RENAME TO enrolments_009;

CREATE TABLE enrolments (
    enrolment_id   VARCHAR NOT NULL,     -- sha256(source_sha256, sheet, source_row), hex, 16 chars; unique (see above)
    run_id         VARCHAR NOT NULL,
    province_code  VARCHAR NOT NULL,
    source_file    VARCHAR NOT NULL,
    source_sha256  VARCHAR NOT NULL,
    sheet          VARCHAR NOT NULL,
    source_row     INTEGER NOT NULL,
    module_id      VARCHAR,
    person_id      VARCHAR,
    surname        VARCHAR,
    given_name     VARCHAR,
    display_name   VARCHAR NOT NULL,
    surname_fold   VARCHAR,
    given_name_fold VARCHAR,
    tax_code       VARCHAR,
    tax_code_status VARCHAR NOT NULL,
    sex            VARCHAR,
    birth_date     DATE,
    birth_place    VARCHAR,
    birth_place_fold VARCHAR,
    email          VARCHAR,
    phone          VARCHAR,
    municipality   VARCHAR,
    municipality_fold VARCHAR,
    organisation   VARCHAR,
    organisation_fold VARCHAR,
    organisation_type VARCHAR,
    organisation_type_fold VARCHAR,
    role           VARCHAR,
    role_fold      VARCHAR,
    module_code    VARCHAR,
    module_title   VARCHAR NOT NULL,
    module_fold    VARCHAR NOT NULL,
    edition        VARCHAR,
    site           VARCHAR,
    axis           VARCHAR,
    planned_hours  DOUBLE,
    sessions       INTEGER,
    start_date     DATE,
    end_date       DATE,
    application_date DATE,
    status         VARCHAR,              -- accepted, not_accepted, withdrawn, not_indicated
    status_raw     VARCHAR,
    hours_attended DOUBLE,
    satisfaction   DOUBLE,
    flags          VARCHAR[],
    extras         MAP(VARCHAR, VARCHAR)
);

INSERT INTO enrolments SELECT * FROM enrolments_009;
DROP TABLE enrolments_009;

-- Which province a run loaded a file's bytes for: one row per file a run
-- loaded. Two transactions of one run loading the same bytes for two
-- provinces write the same key, and the second COMMIT fails.
CREATE TABLE file_claims (
    run_id        VARCHAR NOT NULL,
    source_sha256 VARCHAR NOT NULL,
    province_code VARCHAR NOT NULL,
    PRIMARY KEY (run_id, source_sha256)
);
