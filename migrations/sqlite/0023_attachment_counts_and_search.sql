-- Attachments in the list and in search (issue 24).
--
-- `file_count`, beside `comment_count` and like it, counts the files of public comments
-- only: requesters see it, and an internal note's files are staff's alone.
ALTER TABLE tickets ADD COLUMN file_count INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER attachments_count_insert AFTER INSERT ON attachments
    WHEN (SELECT internal FROM ticket_comments WHERE id = new.comment_id) = 0
BEGIN
    UPDATE tickets SET file_count = file_count + 1 WHERE id = new.ticket_id;
END;

CREATE TRIGGER attachments_count_delete AFTER DELETE ON attachments
    WHEN COALESCE((SELECT internal FROM ticket_comments WHERE id = old.comment_id), 0) = 0
BEGIN
    UPDATE tickets SET file_count = file_count - 1 WHERE id = old.ticket_id;
END;

-- A file's name is searchable as part of its comment: its words join the comment's search
-- row (whose owner already keeps an internal note's row, and so its files' names, from
-- requesters). The app adds the words to search_vocabulary in the same transaction.
CREATE TRIGGER attachments_search_insert AFTER INSERT ON attachments
BEGIN
    UPDATE ticket_search SET body = body || char(10) || new.name WHERE rowid = new.comment_id;
END;
