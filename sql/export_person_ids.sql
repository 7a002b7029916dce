-- Every linked person, to be given a pseudonymous key.
SELECT DISTINCT person_id FROM enrolments WHERE person_id IS NOT NULL;
