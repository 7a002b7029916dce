-- link_scratch: where Go writes the new assignment before it replaces the old
-- (Arrow batches from Go), and what link_publish reads of the previous one
-- (link_first). Parameter 1: the run_id.
CREATE OR REPLACE TEMP TABLE link_assign (
    rid          INTEGER NOT NULL,   -- link_rec.rid
    person_id    VARCHAR NOT NULL
);
CREATE OR REPLACE TEMP TABLE link_update (
    erow         BIGINT NOT NULL,    -- enrolments.rowid
    person_id    VARCHAR NOT NULL
);
CREATE OR REPLACE TEMP TABLE link_persons (
    person_id      VARCHAR NOT NULL,
    display_name   VARCHAR NOT NULL,
    surname        VARCHAR,
    given_name     VARCHAR,
    sex            VARCHAR,
    birth_date     DATE,
    tax_code       VARCHAR,
    participations INTEGER NOT NULL,
    applications   INTEGER NOT NULL,
    modules        INTEGER NOT NULL,
    provinces      VARCHAR[] NOT NULL
);
CREATE OR REPLACE TEMP TABLE link_first AS SELECT person_id, first_seen_run FROM persons;
CREATE OR REPLACE TEMP TABLE link_ctx AS SELECT CAST(? AS VARCHAR) AS run_id;
