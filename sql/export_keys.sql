-- Scratch table (per connection) of the pseudonymous person keys of an export:
-- person_key = hex HMAC-SHA256(key, person_id), computed in Go. One row per
-- person (export_person_ids lists each once): no key index to maintain.
CREATE OR REPLACE TEMP TABLE export_person_keys (
    person_id  VARCHAR NOT NULL,
    person_key VARCHAR NOT NULL
);
