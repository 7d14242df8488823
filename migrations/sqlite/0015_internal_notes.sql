-- Internal notes (issue 22): a comment only staff see. The requester must not learn of it
-- by any path, so everything derived from comments treats it apart:
-- * `comment_count` (shown to requesters) counts public comments only;
-- * its search row's owner is 'staff', never a requester's 'u<id>': a requester's search
--   asks for `owner : "u<id>"` and so never reads an internal note's row or its snippet.
ALTER TABLE ticket_comments ADD COLUMN internal INTEGER NOT NULL DEFAULT 0
    CHECK (internal IN (0, 1));

DROP TRIGGER ticket_comments_count_insert;
DROP TRIGGER ticket_comments_count_delete;

CREATE TRIGGER ticket_comments_count_insert AFTER INSERT ON ticket_comments
    WHEN new.internal = 0
BEGIN
    UPDATE tickets SET comment_count = comment_count + 1 WHERE id = new.ticket_id;
END;

CREATE TRIGGER ticket_comments_count_delete AFTER DELETE ON ticket_comments
    WHEN old.internal = 0
BEGIN
    UPDATE tickets SET comment_count = comment_count - 1 WHERE id = old.ticket_id;
END;

DROP TRIGGER ticket_comments_search_insert;
CREATE TRIGGER ticket_comments_search_insert AFTER INSERT ON ticket_comments
BEGIN
    INSERT INTO ticket_search (rowid, number, subject, body, owner)
    SELECT new.id,
           t.service_request_no || ' ' ||
               CAST(CAST(substr(t.service_request_no, 9) AS INTEGER) AS TEXT),
           t.subject, new.comment_text,
           CASE WHEN new.internal = 1 THEN 'staff' ELSE 'u' || t.requested_by END
      FROM tickets t WHERE t.id = new.ticket_id;
END;

DROP TRIGGER tickets_search_subject;
CREATE TRIGGER tickets_search_subject AFTER UPDATE OF subject, requested_by ON tickets
BEGIN
    UPDATE ticket_search SET subject = new.subject, owner = 'u' || new.requested_by
     WHERE rowid IN (SELECT id FROM ticket_comments WHERE ticket_id = new.id AND internal = 0);
    UPDATE ticket_search SET subject = new.subject
     WHERE rowid IN (SELECT id FROM ticket_comments WHERE ticket_id = new.id AND internal = 1);
END;
