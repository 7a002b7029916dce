-- link_scratch: what link_publish_persons reads of the previous persons
-- (link_first: the run that first gave out each id), copied before
-- link_publish deletes them.
CREATE OR REPLACE TEMP TABLE link_first AS SELECT person_id, first_seen_run FROM persons;
