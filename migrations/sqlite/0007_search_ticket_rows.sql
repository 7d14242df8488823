-- One search row per ticket as well (its number and subject), above every comment's row.
--
-- A search reads the newest matching rows first. With only comment rows, a busy ticket
-- whose subject says "printer" filled a window of 1,000 rows with its own comments (31
-- tickets in the first 1,000 rows of the benchmark's "printer"). Ticket rows take the
-- rowids from 2^40 (comment ids stay far below), so they come first, one per ticket and
-- newest first: tickets with the words in their number or subject, the best matches, are
-- read before any comment. Comment rows keep their ticket's number and subject, so words
-- split between the subject and a comment still find it.

INSERT INTO ticket_search (rowid, number, subject, body, owner)
SELECT 1099511627776 + t.id,
       t.service_request_no || ' ' || CAST(CAST(substr(t.service_request_no, 9) AS INTEGER) AS TEXT),
       t.subject, '', 'u' || t.requested_by
  FROM tickets t;

CREATE TRIGGER tickets_search_insert AFTER INSERT ON tickets
BEGIN
    INSERT INTO ticket_search (rowid, number, subject, body, owner)
    VALUES (1099511627776 + new.id,
            new.service_request_no || ' ' ||
                CAST(CAST(substr(new.service_request_no, 9) AS INTEGER) AS TEXT),
            new.subject, '', 'u' || new.requested_by);
END;

CREATE TRIGGER tickets_search_delete AFTER DELETE ON tickets
BEGIN
    DELETE FROM ticket_search WHERE rowid = 1099511627776 + old.id;
END;

CREATE TRIGGER tickets_search_ticket_row AFTER UPDATE OF subject, requested_by ON tickets
BEGIN
    UPDATE ticket_search SET subject = new.subject, owner = 'u' || new.requested_by
     WHERE rowid = 1099511627776 + new.id;
END;
