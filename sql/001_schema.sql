-- 001: the warehouse's base tables. Applied once; later changes are new files.

CREATE TABLE provinces (
    province_code VARCHAR PRIMARY KEY,   -- sigla: CR, MI, …
    istat_code    VARCHAR NOT NULL,      -- three digits: 019
    name          VARCHAR NOT NULL,
    partner       BOOLEAN NOT NULL DEFAULT false,
    stale_since   TIMESTAMP,             -- set when the last run could not refresh it
    last_good_run VARCHAR                -- run_id of the last run that loaded it cleanly
);

CREATE TABLE runs (
    run_id           VARCHAR PRIMARY KEY,
    started_at       TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP,
    status           VARCHAR NOT NULL,   -- running, success, partial, failed
    files_seen       INTEGER DEFAULT 0,
    files_loaded     INTEGER DEFAULT 0,
    files_unchanged  INTEGER DEFAULT 0,  -- bytes already loaded by an earlier run
    files_failed     INTEGER DEFAULT 0,
    rows_read        BIGINT DEFAULT 0,
    rows_loaded      BIGINT DEFAULT 0,
    rows_quarantined BIGINT DEFAULT 0,
    rows_skipped     BIGINT DEFAULT 0,
    message          VARCHAR,
    version          VARCHAR             -- correlare version that ran
);

-- One row per file per run: rows_read = rows_loaded + rows_quarantined + rows_skipped.
CREATE TABLE run_files (
    run_id           VARCHAR NOT NULL,
    province_code    VARCHAR NOT NULL,
    source           VARCHAR NOT NULL,   -- the configured source (glob or URL) it came from
    source_file      VARCHAR NOT NULL,   -- file name
    source_sha256    VARCHAR,
    status           VARCHAR NOT NULL,   -- loaded, unchanged, failed, kept_last_good
    rows_read        BIGINT DEFAULT 0,
    rows_loaded      BIGINT DEFAULT 0,
    rows_quarantined BIGINT DEFAULT 0,
    rows_skipped     BIGINT DEFAULT 0,   -- blank and totals rows
    issues           BIGINT DEFAULT 0,   -- flagged values on kept rows
    sheets           VARCHAR[],          -- sheets read
    error            VARCHAR
);

-- The files whose rows are currently in the warehouse, one per source slot.
CREATE TABLE source_files (
    province_code VARCHAR NOT NULL,
    slot          VARCHAR NOT NULL,      -- stable identity of the source: glob match path or URL
    source_file   VARCHAR NOT NULL,
    source_sha256 VARCHAR NOT NULL,
    landed_path   VARCHAR NOT NULL,      -- path in the landing archive
    loaded_run_id VARCHAR NOT NULL,
    loaded_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (province_code, slot)
);

CREATE TABLE modules (
    module_id     VARCHAR PRIMARY KEY,   -- province_code || ':' || key
    province_code VARCHAR NOT NULL,
    module_code   VARCHAR,
    title         VARCHAR NOT NULL,
    title_fold    VARCHAR NOT NULL,
    edition       VARCHAR,
    site          VARCHAR,
    axis          VARCHAR,               -- I, II, III, IV, V
    planned_hours DOUBLE,
    sessions      INTEGER,
    start_date    DATE,
    end_date      DATE,
    from_catalogue BOOLEAN NOT NULL,     -- true: a modules sheet; false: derived from enrolment rows
    source_file   VARCHAR,
    source_sha256 VARCHAR,
    sheet         VARCHAR,
    source_row    INTEGER,
    extras        MAP(VARCHAR, VARCHAR)
);

CREATE TABLE enrolments (
    enrolment_id   VARCHAR PRIMARY KEY,  -- sha256(source_sha256, sheet, source_row), hex, 16 chars
    run_id         VARCHAR NOT NULL,
    province_code  VARCHAR NOT NULL,
    source_file    VARCHAR NOT NULL,
    source_sha256  VARCHAR NOT NULL,
    sheet          VARCHAR NOT NULL,
    source_row     INTEGER NOT NULL,
    module_id      VARCHAR,
    person_id      VARCHAR,
    surname        VARCHAR NOT NULL,
    given_name     VARCHAR NOT NULL,
    display_name   VARCHAR NOT NULL,
    surname_fold   VARCHAR NOT NULL,
    given_name_fold VARCHAR NOT NULL,
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
    status         VARCHAR,              -- accepted, not_accepted, withdrawn; NULL if unreadable
    status_raw     VARCHAR,
    hours_attended DOUBLE,
    satisfaction   DOUBLE,
    flags          VARCHAR[],
    extras         MAP(VARCHAR, VARCHAR)
);

-- Rows that could not be loaded, with their raw cells: nothing is dropped.
CREATE TABLE quarantine (
    run_id        VARCHAR NOT NULL,
    province_code VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    source_sha256 VARCHAR NOT NULL,
    sheet         VARCHAR NOT NULL,
    source_row    INTEGER NOT NULL,
    cell          VARCHAR,               -- e.g. B7, the offending cell when there is one
    field         VARCHAR,
    reason_code   VARCHAR NOT NULL,
    reason        VARCHAR NOT NULL,
    raw           MAP(VARCHAR, VARCHAR)  -- header → raw value of every non-empty cell
);

-- Flagged values on loaded rows (the row is kept; the field may be NULL).
CREATE TABLE issues (
    run_id        VARCHAR NOT NULL,
    province_code VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    source_sha256 VARCHAR NOT NULL,
    sheet         VARCHAR NOT NULL,
    source_row    INTEGER NOT NULL,
    cell          VARCHAR,
    field         VARCHAR,
    value         VARCHAR,
    code          VARCHAR NOT NULL
);

-- Non-blank rows a reader skipped on purpose (totals rows, notes under the table),
-- kept with their raw cells so that nothing an input held is lost.
CREATE TABLE skipped_rows (
    run_id        VARCHAR NOT NULL,
    province_code VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    source_sha256 VARCHAR NOT NULL,
    sheet         VARCHAR NOT NULL,
    source_row    INTEGER NOT NULL,
    reason        VARCHAR NOT NULL,      -- totals, note
    raw           MAP(VARCHAR, VARCHAR)
);
