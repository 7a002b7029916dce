-- 002: record linkage (package link). Persons, the pairs that made them, the
-- stable-id log and the fitted model. Tables that link rewrites on every run
-- carry no PRIMARY KEY (DuckDB checks keys eagerly on delete+insert); the
-- uniqueness each one has is noted in its comment.

-- One row per person (person_id unique): every enrolment belongs to one.
CREATE TABLE persons (
    person_id      VARCHAR NOT NULL,     -- stable across runs, see link package doc
    display_name   VARCHAR NOT NULL,     -- the most frequent display name of its rows
    surname        VARCHAR,
    given_name     VARCHAR,
    sex            VARCHAR,
    birth_date     DATE,
    tax_code       VARCHAR,              -- most frequent valid tax code, NULL when none
    participations INTEGER NOT NULL,     -- rows with status accepted
    applications   INTEGER NOT NULL,     -- all rows
    modules        INTEGER NOT NULL,     -- distinct modules applied to
    provinces      VARCHAR[] NOT NULL,   -- sorted siglas
    first_seen_run VARCHAR NOT NULL,     -- run that first gave out this person_id
    last_run       VARCHAR NOT NULL      -- run that last linked it
);

-- Membership as of the last linkage (enrolment_id unique): record_key is the
-- content fingerprint that survives a province re-sending a changed file.
CREATE TABLE person_members (
    enrolment_id VARCHAR NOT NULL,
    record_key   VARCHAR NOT NULL,       -- left(sha256(province|surname|given|tax code|birth date|module), 16)
    person_id    VARCHAR NOT NULL,
    run_id       VARCHAR NOT NULL
);

-- Why two rows are, or are not, one person: accepted pairs and near misses.
CREATE TABLE person_links (
    run_id         VARCHAR NOT NULL,
    left_enrolment_id  VARCHAR NOT NULL,
    right_enrolment_id VARCHAR NOT NULL,
    left_key       VARCHAR NOT NULL,     -- record keys, as in the review workbook and decisions file
    right_key      VARCHAR NOT NULL,
    levels         MAP(VARCHAR, VARCHAR),-- comparison → level label
    weights        MAP(VARCHAR, DOUBLE), -- comparison → match weight (log2 Bayes factor, TF-adjusted)
    match_weight   DOUBLE NOT NULL,      -- prior + Σ weights
    probability    DOUBLE NOT NULL,
    decision       VARCHAR NOT NULL,     -- same, different, review
    source         VARCHAR NOT NULL,     -- model, analyst, hard_rule, guard
    detail         VARCHAR
);

-- Stable-id log: every person created, merged, split or retired.
CREATE TABLE person_events (
    run_id     VARCHAR NOT NULL,
    "at"       TIMESTAMP NOT NULL,       -- quoted: AT is a keyword
    kind       VARCHAR NOT NULL,         -- new, merge, split, retired
    person_id  VARCHAR NOT NULL,         -- the id kept (retired: the id given up)
    person_ids VARCHAR[] NOT NULL,       -- the ids involved
    detail     VARCHAR
);

-- The Fellegi-Sunter model of the last run: m and u per comparison level.
CREATE TABLE link_model (
    run_id       VARCHAR NOT NULL,
    comparison   VARCHAR NOT NULL,
    column_name  VARCHAR NOT NULL,
    level        INTEGER NOT NULL,       -- 0 = null (one side missing), then best to worst
    label        VARCHAR NOT NULL,
    m            DOUBLE,
    u            DOUBLE,
    match_weight DOUBLE,                 -- log2(m/u), 0 for the null level
    tf_adjusted  BOOLEAN NOT NULL        -- exact level re-weighted by the value's frequency
);

-- One row per linkage run.
CREATE TABLE link_runs (
    run_id           VARCHAR NOT NULL,
    "at"             TIMESTAMP NOT NULL,
    records          BIGINT NOT NULL,
    candidate_pairs  BIGINT NOT NULL,
    em_iterations    INTEGER NOT NULL,
    lambda_estimate  DOUBLE NOT NULL,    -- λ: probability that two random records match
    match_threshold  DOUBLE NOT NULL,
    review_threshold DOUBLE NOT NULL,
    accepted_pairs   BIGINT NOT NULL,
    review_pairs     BIGINT NOT NULL,
    persons          BIGINT NOT NULL,
    persons_multi    BIGINT NOT NULL,    -- persons with more than one enrolment
    seconds          DOUBLE NOT NULL
);
