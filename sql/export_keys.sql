-- Scratch table of the pseudonymous person keys of an export: person_key =
-- hex HMAC-SHA256(key, person_id), computed in Go. One row per person
-- (export_person_ids lists each once): no key index to maintain. person_no
-- numbers the persons in the order of their keys (0, 1, …): sorting by it
-- sorts by person_key, and Go indexes its per-person figures with it.
CREATE OR REPLACE TABLE export_scratch.export_person_keys (
    person_id  VARCHAR NOT NULL,
    person_key VARCHAR NOT NULL,
    person_no  INTEGER NOT NULL
);
