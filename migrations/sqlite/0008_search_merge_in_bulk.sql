-- Comment writes spent their time in FTS5's incremental merging (issue 10). With the
-- default automerge, every commit -- one per comment -- also merged a slice of the bigger
-- segments of a 6,000,000-row index: 480 writes/s at 16 connections, p99 190-690 ms (perf:
-- fts5IndexMergeLevel). Without it, new segments are merged only when 16 pile up on one
-- level (FTS5's crisismerge), small ones with small ones: 1,200 writes/s, p99 20 ms, on the
-- same database. The index then holds at most 16 segments per level for a search to read.
INSERT INTO ticket_search (ticket_search, rank) VALUES ('automerge', 0);
