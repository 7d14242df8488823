-- Thumbnails of attached pictures (issue 24), made once per distinct file when it is
-- uploaded and kept in the database on both backends (a few tens of KB each), so every app
-- server serves them and backups carry them. A picture too large to decode within the
-- server's budget has its size recorded and no thumbnail (`data` NULL): it is shown as a
-- file to open.
CREATE TABLE attachment_thumbs (
    sha256        TEXT    PRIMARY KEY REFERENCES attachment_blobs (sha256) ON DELETE CASCADE,
    -- The picture's own size, in pixels (the viewer reserves its room).
    width         INTEGER NOT NULL CHECK (width > 0),
    height        INTEGER NOT NULL CHECK (height > 0),
    content_type  TEXT,
    data          BLOB,
    CHECK ((content_type IS NULL) = (data IS NULL))
) WITHOUT ROWID;
