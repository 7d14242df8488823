-- Assignment (issue 22): a ticket has at most one assignee, an active agent or admin when
-- set (the app checks it in the same transaction), kept if they are later deactivated so
-- their open tickets stay findable.
ALTER TABLE tickets ADD COLUMN assignee_id BIGINT REFERENCES users (id) ON DELETE RESTRICT;
-- "Assigned to me", "Unassigned", "assigned to X": each a slice in list order.
CREATE INDEX tickets_assignee_started ON tickets (assignee_id, date_started DESC, id DESC);
-- Open tickets per assignee (the dashboard, Home's queues): a small index of the open ones
-- only, so "unassigned" does not walk the years of tickets from before assignment.
CREATE INDEX tickets_open_assignee ON tickets (assignee_id, status) WHERE status IN ('pending', 'ongoing');
-- History gains the assignee and priority kinds.
ALTER TABLE ticket_events DROP CONSTRAINT ticket_events_kind_check;
ALTER TABLE ticket_events ADD CONSTRAINT ticket_events_kind_check
    CHECK (kind IN ('created', 'status', 'department', 'comment', 'assignee', 'priority'));
