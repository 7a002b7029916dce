-- link_links_scratch: the scratch tables Go fills with Arrow batches for
-- person_links (sql/link_links.sql): per pair its record numbers (rid), what
-- was decided, its weights (w<k>: comparison k's) and the number of its level
-- vector (lid); each distinct level vector's levels (lv<k>: comparison k's
-- level index) once. {{levels}} and {{weights}} are those columns.
CREATE OR REPLACE TEMP TABLE link_links (
    l        INTEGER NOT NULL,
    r        INTEGER NOT NULL,
    weight   DOUBLE NOT NULL,
    prob     DOUBLE NOT NULL,
    decision VARCHAR NOT NULL,
    source   VARCHAR NOT NULL,
    detail   VARCHAR,
    lid      INTEGER NOT NULL,
    {{weights}}
);
CREATE OR REPLACE TEMP TABLE link_lpat (lid INTEGER NOT NULL, {{levels}});
