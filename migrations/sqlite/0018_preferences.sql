-- Each person's preferences (issue 22): keyboard shortcuts on or off (WCAG 2.1.4: they can
-- be turned off), and how densely lists are drawn.
ALTER TABLE users ADD COLUMN shortcuts INTEGER NOT NULL DEFAULT 1 CHECK (shortcuts IN (0, 1));
ALTER TABLE users ADD COLUMN density TEXT NOT NULL DEFAULT 'comfortable'
    CHECK (density IN ('comfortable', 'compact'));
