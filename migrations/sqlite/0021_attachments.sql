-- Attachments (issue 24).
--
-- The bytes of each distinct file, once, named by their SHA-256 (hex): a file attached
-- twice is stored once. SQLite's bytes live in DATA_DIR/attachments/ab/cd/<sha256> (mode
-- 0600); PostgreSQL's in attachment_chunks below, so every app server sees every file. A
-- row here is written only after its bytes are durable (fsynced and renamed, or committed
-- chunks), so no row ever names bytes that are not there; bytes without a row are what
-- `helpdesk check` reports as orphans.
CREATE TABLE attachment_blobs (
    sha256        TEXT    PRIMARY KEY CHECK (length(sha256) = 64),
    size          INTEGER NOT NULL CHECK (size >= 0),
    -- Decided from the content (the infer crate), never from the name or the browser.
    content_type  TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
) WITHOUT ROWID;

-- PostgreSQL's store; unused on SQLite, kept so both schemas have the same tables.
CREATE TABLE attachment_chunks (
    sha256  TEXT    NOT NULL REFERENCES attachment_blobs (sha256) ON DELETE CASCADE,
    n       INTEGER NOT NULL CHECK (n >= 0),
    data    BLOB    NOT NULL,
    PRIMARY KEY (sha256, n)
) WITHOUT ROWID;

-- A file as someone attached it to a comment (a ticket's own files are on its first
-- comment, the description): its name as given, cleaned, for display. An internal note's
-- files are staff's only, as the note is.
CREATE TABLE attachments (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    comment_id  INTEGER NOT NULL REFERENCES ticket_comments (id) ON DELETE CASCADE,
    sha256      TEXT    NOT NULL REFERENCES attachment_blobs (sha256),
    name        TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    created_at  INTEGER NOT NULL
);
CREATE INDEX attachments_ticket  ON attachments (ticket_id, id);
CREATE INDEX attachments_comment ON attachments (comment_id);
CREATE INDEX attachments_blob    ON attachments (sha256);

-- A file uploaded ahead of the comment it is for (the browser sends each file as soon as
-- it is chosen, showing its progress), known by a random token only its uploader holds.
-- The comment's transaction turns its uploads into attachments; an upload no comment
-- claimed within a day is forgotten.
CREATE TABLE attachment_uploads (
    token       TEXT    PRIMARY KEY CHECK (length(token) = 32),
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sha256      TEXT    NOT NULL REFERENCES attachment_blobs (sha256),
    name        TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX attachment_uploads_user ON attachment_uploads (user_id, created_at);
