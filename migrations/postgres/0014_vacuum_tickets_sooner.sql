-- The list's counts (an agent's tickets, the overdue, a week's finished) are index-only
-- scans, which skip the table only on pages the visibility map marks all-visible, and only
-- a vacuum marks them. By default autovacuum visits a table after 20 % of its rows changed:
-- 200,000 updates at a million tickets, while every comment updates its ticket. Measured
-- on the bench's million after its own writes (18,619 dead rows): counting the 37,228
-- pending overdue read 11,241 table pages too, and both open statuses took 60 ms; after a
-- VACUUM (2.5 s) 15 ms. After 1 % here: about 10,000 changed rows at a million. (How often
-- that keeps the map current under a given load is expected, not measured.)
ALTER TABLE tickets SET (
    autovacuum_vacuum_scale_factor = 0.01,
    autovacuum_vacuum_insert_scale_factor = 0.01
);
