-- Each person's preferences (issue 22; SQLite 0018): keyboard shortcuts, list density.
ALTER TABLE users ADD COLUMN shortcuts BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE users ADD COLUMN density TEXT NOT NULL DEFAULT 'comfortable'
    CHECK (density IN ('comfortable', 'compact'));
