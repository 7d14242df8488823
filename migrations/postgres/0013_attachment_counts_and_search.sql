-- Attachments in the list and in search (issue 24; SQLite 0023 explains).
ALTER TABLE tickets ADD COLUMN file_count BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION attachments_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NOT (SELECT internal FROM ticket_comments WHERE id = NEW.comment_id) THEN
            UPDATE tickets SET file_count = file_count + 1 WHERE id = NEW.ticket_id;
        END IF;
    ELSIF NOT COALESCE((SELECT internal FROM ticket_comments WHERE id = OLD.comment_id), FALSE) THEN
        UPDATE tickets SET file_count = file_count - 1 WHERE id = OLD.ticket_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER attachments_count AFTER INSERT OR DELETE ON attachments
    FOR EACH ROW EXECUTE FUNCTION attachments_count();

-- A comment's search document is its text and its files' names, here and when the
-- ticket's subject or requester changes.
CREATE FUNCTION comment_search_body(comment BIGINT) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT COALESCE((SELECT c.comment_text FROM ticket_comments c WHERE c.id = comment), '')
        || ' ' || COALESCE((SELECT string_agg(a.name, ' ') FROM attachments a
                             WHERE a.comment_id = comment), '')
$$;

CREATE FUNCTION attachments_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ticket_search s
       SET document = search_document(t.service_request_no, t.subject,
                                      comment_search_body(NEW.comment_id))
      FROM tickets t
     WHERE s.id = NEW.comment_id AND t.id = NEW.ticket_id;
    RETURN NULL;
END $$;
CREATE TRIGGER attachments_search AFTER INSERT ON attachments
    FOR EACH ROW EXECUTE FUNCTION attachments_search();

CREATE OR REPLACE FUNCTION tickets_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO ticket_search (id, ticket_id, owner, document)
        VALUES (1099511627776 + NEW.id, NEW.id, NEW.requested_by,
                search_document(NEW.service_request_no, NEW.subject, ''));
    ELSE
        UPDATE ticket_search s
           SET owner = CASE WHEN EXISTS (SELECT 1 FROM ticket_comments c
                                          WHERE c.id = s.id AND c.internal)
                            THEN 0 ELSE NEW.requested_by END,
               document = search_document(NEW.service_request_no, NEW.subject,
                                          comment_search_body(s.id))
         WHERE s.ticket_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
