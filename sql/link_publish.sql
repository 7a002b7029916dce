-- link_publish: empties the tables the new assignment replaces, in the
-- transaction that writes it (link_publish_update, link_publish_members,
-- link_publish_persons); person_links and link_model are written after it.
DELETE FROM person_members;
DELETE FROM persons;
DELETE FROM person_links;
DELETE FROM link_model;
