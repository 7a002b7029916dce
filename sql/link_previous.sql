-- link_previous: the persons of the previous run, oldest first.
SELECT person_id, first_seen_run FROM persons ORDER BY first_seen_run, person_id;
