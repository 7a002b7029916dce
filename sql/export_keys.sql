-- Scratch table (per connection) of the pseudonymous person keys of an export:
-- person_key = hex HMAC-SHA256(key, person_id), computed in Go.
CREATE OR REPLACE TEMP TABLE export_person_keys (
    person_id  VARCHAR PRIMARY KEY,
    person_key VARCHAR NOT NULL
);
