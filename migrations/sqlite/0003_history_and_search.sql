-- Ticket history and full-text search (issue 4).

-- Every change to a ticket, who made it and when. Written in the same transaction as the
-- change itself; no server function updates or deletes it, and the trigger below makes
-- that a database rule too.
CREATE TABLE ticket_events (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    kind        TEXT    NOT NULL CHECK (kind IN ('created', 'status', 'department', 'comment')),
    -- Status values, or department names as they were at the time of the change.
    from_value  TEXT,
    to_value    TEXT,
    -- The comment added; for 'created', the description (the ticket's first comment).
    comment_id  INTEGER REFERENCES ticket_comments (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, created_at, id);

CREATE TRIGGER ticket_events_append_only BEFORE UPDATE ON ticket_events
BEGIN
    SELECT RAISE(ABORT, 'ticket history is append-only');
END;

-- What existed before history was kept: each ticket's creation and its later comments.
INSERT INTO ticket_events (ticket_id, user_id, kind, to_value, comment_id, created_at)
SELECT t.id, t.requested_by, 'created', 'pending',
       (SELECT MIN(c.id) FROM ticket_comments c WHERE c.ticket_id = t.id), t.date_started
  FROM tickets t;
INSERT INTO ticket_events (ticket_id, user_id, kind, comment_id, created_at)
SELECT c.ticket_id, c.user_id, 'comment', c.id, c.created_at
  FROM ticket_comments c
 WHERE c.id <> (SELECT MIN(f.id) FROM ticket_comments f WHERE f.ticket_id = c.ticket_id);

-- One search document per ticket: its number (also as a bare sequence, so "42" finds
-- SR-2026-000042), its subject and all its comments. FTS5 keeps its own copy of the text,
-- so snippets can be cut from it; prefix indexes make "prin" find "printer" quickly.
CREATE VIRTUAL TABLE ticket_search USING fts5 (
    number,
    subject,
    comments,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

INSERT INTO ticket_search (rowid, number, subject, comments)
SELECT t.id,
       t.service_request_no || ' ' || CAST(CAST(substr(t.service_request_no, 9) AS INTEGER) AS TEXT),
       t.subject,
       COALESCE((SELECT group_concat(c.comment_text, char(10))
                   FROM ticket_comments c WHERE c.ticket_id = t.id), '')
  FROM tickets t;

CREATE TRIGGER tickets_search_insert AFTER INSERT ON tickets
BEGIN
    INSERT INTO ticket_search (rowid, number, subject, comments)
    VALUES (new.id,
            new.service_request_no || ' ' ||
                CAST(CAST(substr(new.service_request_no, 9) AS INTEGER) AS TEXT),
            new.subject,
            '');
END;

CREATE TRIGGER tickets_search_subject AFTER UPDATE OF subject ON tickets
BEGIN
    UPDATE ticket_search SET subject = new.subject WHERE rowid = new.id;
END;

CREATE TRIGGER tickets_search_delete AFTER DELETE ON tickets
BEGIN
    DELETE FROM ticket_search WHERE rowid = old.id;
END;

CREATE TRIGGER ticket_comments_search_insert AFTER INSERT ON ticket_comments
BEGIN
    UPDATE ticket_search
       SET comments = CASE WHEN comments = '' THEN new.comment_text
                           ELSE comments || char(10) || new.comment_text END
     WHERE rowid = new.ticket_id;
END;
