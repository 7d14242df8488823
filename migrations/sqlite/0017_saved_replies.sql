-- Saved replies (issue 22): named texts staff insert into a comment. A shared one
-- (owner_id NULL) is the team's, managed by admins; a personal one is its owner's alone.
CREATE TABLE saved_replies (
    id          INTEGER PRIMARY KEY,
    owner_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    body        TEXT    NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
-- A name once among the shared replies, and once among each person's own.
CREATE UNIQUE INDEX saved_replies_name ON saved_replies (COALESCE(owner_id, 0), lower(name));
