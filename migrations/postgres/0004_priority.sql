-- Priority (issue 22): low, normal (the default), high, urgent; set by staff, in history.
ALTER TABLE tickets ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal'
    CHECK (priority IN ('low', 'normal', 'high', 'urgent'));
-- "Urgent ones", in list order.
CREATE INDEX tickets_priority_started ON tickets (priority, date_started DESC, id DESC);
