-- Thumbnails in an ordinary (rowid) table. As a WITHOUT ROWID table, each row, thumbnail
-- and all, lived in the key's b-tree, and a key comparison on a row whose payload spills
-- to overflow pages reads the whole payload: looking up one file's thumbnail read every
-- compared thumbnail in full. Measured at 1,000,000 tickets with ten thumbnails stored:
-- 172 pages read for a ticket's two files, 320 pread calls per ticket page, +250 us of
-- kernel time per request (bench/RESULTS.md). Now the key is looked up in its own small
-- index, and a row's size and type come before its data.
CREATE TABLE attachment_thumbs_new (
    sha256        TEXT    PRIMARY KEY REFERENCES attachment_blobs (sha256) ON DELETE CASCADE,
    -- The picture's own size, in pixels (the viewer reserves its room).
    width         INTEGER NOT NULL CHECK (width > 0),
    height        INTEGER NOT NULL CHECK (height > 0),
    content_type  TEXT,
    data          BLOB,
    CHECK ((content_type IS NULL) = (data IS NULL))
);
INSERT INTO attachment_thumbs_new (sha256, width, height, content_type, data)
    SELECT sha256, width, height, content_type, data FROM attachment_thumbs;
DROP TABLE attachment_thumbs;
ALTER TABLE attachment_thumbs_new RENAME TO attachment_thumbs;
