-- Each ticket's number of comments, kept by triggers (issue 10). Lists showed it by counting
-- each listed ticket's comments in an index on every request: with busy tickets of a few
-- hundred comments, perf put a third of a list page's CPU in SQLite counting them.
ALTER TABLE tickets ADD COLUMN comment_count INTEGER NOT NULL DEFAULT 0;

UPDATE tickets
   SET comment_count = (SELECT COUNT(*) FROM ticket_comments c WHERE c.ticket_id = tickets.id);

CREATE TRIGGER ticket_comments_count_insert AFTER INSERT ON ticket_comments
BEGIN
    UPDATE tickets SET comment_count = comment_count + 1 WHERE id = new.ticket_id;
END;

CREATE TRIGGER ticket_comments_count_delete AFTER DELETE ON ticket_comments
BEGIN
    UPDATE tickets SET comment_count = comment_count - 1 WHERE id = old.ticket_id;
END;
