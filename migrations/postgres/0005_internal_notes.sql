-- Internal notes (issue 22; SQLite 0015): a comment only staff see. `comment_count` counts
-- public comments only, and an internal note's search row belongs to owner 0 (no user has
-- id 0), so a requester's search (`owner = <their id>`) never reads it.
ALTER TABLE ticket_comments ADD COLUMN internal BOOLEAN NOT NULL DEFAULT false;

CREATE OR REPLACE FUNCTION ticket_comments_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NOT NEW.internal THEN
            UPDATE tickets SET comment_count = comment_count + 1 WHERE id = NEW.ticket_id;
        END IF;
    ELSIF NOT OLD.internal THEN
        UPDATE tickets SET comment_count = comment_count - 1 WHERE id = OLD.ticket_id;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION ticket_comments_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO ticket_search (id, ticket_id, owner, document)
        SELECT NEW.id, t.id, CASE WHEN NEW.internal THEN 0 ELSE t.requested_by END,
               search_document(t.service_request_no, t.subject, NEW.comment_text)
          FROM tickets t WHERE t.id = NEW.ticket_id;
    ELSE
        DELETE FROM ticket_search WHERE id = OLD.id;
    END IF;
    RETURN NULL;
END $$;

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
                   COALESCE((SELECT c.comment_text FROM ticket_comments c WHERE c.id = s.id), ''))
         WHERE s.ticket_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
