-- The counts of the "assigned to …" and "overdue" lists from indexes alone. At a million
-- tickets (bench/run) an agent holds ~16,500 of them and ~93,000 are overdue; counting them
-- by status read each ticket's row for its status: the agent's list ran at 26 requests/s,
-- the overdue list at 5 (2.8 s for the overdue counts, cold). An index on the due time and
-- the status would not do: SQLite reads the row for a VIRTUAL column's index anyway, so
-- the due times are indexed once per open status, the status implied by the index.
CREATE INDEX tickets_assignee_status ON tickets (assignee_id, status);
CREATE INDEX tickets_due_pending ON tickets (next_due) WHERE status = 'pending';
CREATE INDEX tickets_due_ongoing ON tickets (next_due) WHERE status = 'ongoing';
-- With no statistics for it, SQLite took the new assignee index for an assignee's list too
-- (the same first column) and sorted all of an agent's tickets for each page: 16 requests/s
-- at a million. Measured, they show it is no better than the one in started order.
ANALYZE tickets_assignee_status;
ANALYZE tickets_due_pending;
ANALYZE tickets_due_ongoing;
