-- Search indexes each comment on its own (issue 10, and issue 11's "comment cost stays flat").
--
-- Before, a ticket was one search document holding all its comments: every new comment
-- rewrote the whole document, so a comment cost more the longer the thread, and seeding a
-- million tickets spent most of its time there. Now each comment is one row, its rowid the
-- comment's id, carrying its ticket's number and subject too: a search for "printer floor"
-- still finds a ticket with "printer" in the subject and "floor" in a comment. (Words spread
-- over two different comments and not in the subject no longer match together.)
--
-- Rowids follow the comments' ids, so newest-first is the index's own order: a search reads
-- the newest matches and stops, however common the word. `owner` ("u" and the requester's
-- id) lets a requester's search be narrowed inside the index instead of after it.

DROP TRIGGER tickets_search_insert;
DROP TRIGGER tickets_search_subject;
DROP TRIGGER tickets_search_delete;
DROP TRIGGER ticket_comments_search_insert;
DROP TABLE ticket_search;

CREATE VIRTUAL TABLE ticket_search USING fts5 (
    number,
    subject,
    body,
    owner,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

-- The number is searchable as written and as a bare sequence: "42" finds SR-2026-000042.
INSERT INTO ticket_search (rowid, number, subject, body, owner)
SELECT c.id,
       t.service_request_no || ' ' || CAST(CAST(substr(t.service_request_no, 9) AS INTEGER) AS TEXT),
       t.subject, c.comment_text, 'u' || t.requested_by
  FROM ticket_comments c JOIN tickets t ON t.id = c.ticket_id;

CREATE TRIGGER ticket_comments_search_insert AFTER INSERT ON ticket_comments
BEGIN
    INSERT INTO ticket_search (rowid, number, subject, body, owner)
    SELECT new.id,
           t.service_request_no || ' ' ||
               CAST(CAST(substr(t.service_request_no, 9) AS INTEGER) AS TEXT),
           t.subject, new.comment_text, 'u' || t.requested_by
      FROM tickets t WHERE t.id = new.ticket_id;
END;

-- Also runs for the comments a deleted ticket takes with it (ON DELETE CASCADE).
CREATE TRIGGER ticket_comments_search_delete AFTER DELETE ON ticket_comments
BEGIN
    DELETE FROM ticket_search WHERE rowid = old.id;
END;

CREATE TRIGGER tickets_search_subject AFTER UPDATE OF subject, requested_by ON tickets
BEGIN
    UPDATE ticket_search SET subject = new.subject, owner = 'u' || new.requested_by
     WHERE rowid IN (SELECT id FROM ticket_comments WHERE ticket_id = new.id);
END;
