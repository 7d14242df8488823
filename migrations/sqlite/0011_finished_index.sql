-- The dashboard (issue 13): tickets finished in a date range (completed per week, and how
-- long they took) are read from this index's slice, never from the tickets themselves.
-- Partial: only completed tickets have a finished date.
CREATE INDEX tickets_finished ON tickets (date_finished, date_started)
    WHERE date_finished IS NOT NULL;
