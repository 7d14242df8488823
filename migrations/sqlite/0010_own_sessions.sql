-- Sessions the app owns (issues 10 and 11). tower-sessions kept each session as an opaque
-- blob keyed by its id: a user's sessions could not be found to end them, and every request
-- read the blob and then the user in two queries. Here a session is a row per sign-in, keyed
-- by the SHA-256 of the cookie's token (a copy of the database holds no usable cookie), with
-- the user it belongs to. Existing sign-ins end once: their blobs are not carried over.
DROP TABLE IF EXISTS sessions;

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    -- Milliseconds since the epoch; slides forward while the session is used.
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
