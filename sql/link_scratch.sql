-- link_scratch: where Go writes the new assignment before it replaces the old
-- (link_assign, an Arrow batch from Go), and what link_publish reads of the
-- previous one (link_first).
-- Parameter 1: the run_id.
CREATE OR REPLACE TEMP TABLE link_assign (
    rid          INTEGER NOT NULL,   -- link_rec.rid
    person_id    VARCHAR NOT NULL,
    multi        BOOLEAN NOT NULL    -- the person has more than one row
);
CREATE OR REPLACE TEMP TABLE link_first AS SELECT person_id, first_seen_run FROM persons;
CREATE OR REPLACE TEMP TABLE link_ctx AS SELECT CAST(? AS VARCHAR) AS run_id;
