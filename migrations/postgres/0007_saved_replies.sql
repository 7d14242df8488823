-- Saved replies (issue 22; SQLite 0017): shared (owner_id NULL, admins manage them) or
-- personal.
CREATE TABLE saved_replies (
    id          BIGSERIAL PRIMARY KEY,
    owner_id    BIGINT REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT   NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    body        TEXT   NOT NULL CHECK (char_length(body) BETWEEN 1 AND 10000),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX saved_replies_name ON saved_replies (COALESCE(owner_id, 0), lower(name));
