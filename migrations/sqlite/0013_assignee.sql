-- Assignment (issue 22): a ticket has at most one assignee, an active agent or admin when
-- set (the app checks it in the same transaction), kept if they are later deactivated so
-- their open tickets stay findable.
ALTER TABLE tickets ADD COLUMN assignee_id INTEGER REFERENCES users (id) ON DELETE RESTRICT;
-- "Assigned to me", "Unassigned", "assigned to X": each a slice in list order.
CREATE INDEX tickets_assignee_started ON tickets (assignee_id, date_started DESC, id DESC);
-- Open tickets per assignee (the dashboard, Home's queues): a small index of the open ones
-- only, so "unassigned" does not walk the years of tickets from before assignment.
CREATE INDEX tickets_open_assignee ON tickets (assignee_id, status) WHERE status IN ('pending', 'ongoing');

-- History gains the assignee and priority kinds. SQLite cannot change a CHECK constraint:
-- the table is rebuilt (the append-only trigger and the index with it), and gains the
-- index under comment_id that deleting a comment needs (PostgreSQL has had it).
CREATE TABLE ticket_events_new (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    kind        TEXT    NOT NULL
                CHECK (kind IN ('created', 'status', 'department', 'comment', 'assignee', 'priority')),
    -- Status values, department names or usernames as they were at the time of the change.
    from_value  TEXT,
    to_value    TEXT,
    -- The comment added; for 'created', the description (the ticket's first comment).
    comment_id  INTEGER REFERENCES ticket_comments (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL
);
INSERT INTO ticket_events_new
    (id, ticket_id, user_id, kind, from_value, to_value, comment_id, created_at)
    SELECT id, ticket_id, user_id, kind, from_value, to_value, comment_id, created_at
      FROM ticket_events;
DROP TABLE ticket_events;
ALTER TABLE ticket_events_new RENAME TO ticket_events;
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, created_at, id);
CREATE INDEX ticket_events_comment ON ticket_events (comment_id);
CREATE TRIGGER ticket_events_append_only BEFORE UPDATE ON ticket_events
BEGIN
    SELECT RAISE(ABORT, 'ticket history is append-only');
END;
