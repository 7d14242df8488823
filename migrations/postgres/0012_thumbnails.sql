-- Thumbnails of attached pictures (issue 24): see the SQLite migration of the same name.
CREATE TABLE attachment_thumbs (
    sha256        TEXT    PRIMARY KEY REFERENCES attachment_blobs (sha256) ON DELETE CASCADE,
    width         INTEGER NOT NULL CHECK (width > 0),
    height        INTEGER NOT NULL CHECK (height > 0),
    content_type  TEXT,
    data          BYTEA,
    CHECK ((content_type IS NULL) = (data IS NULL))
);
