-- The counts of the "assigned to …" and "overdue" lists from indexes alone (see SQLite's
-- 0019: at a million tickets they read each ticket's row for its status).
CREATE INDEX tickets_assignee_status ON tickets (assignee_id, status);
CREATE INDEX tickets_due_pending ON tickets (next_due) WHERE status = 'pending';
CREATE INDEX tickets_due_ongoing ON tickets (next_due) WHERE status = 'ongoing';
