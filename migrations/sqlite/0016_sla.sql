-- SLA targets (issue 22). A policy per priority: how soon the first public answer from
-- staff and the resolution are due, in calendar time or in the business hours of the one
-- schedule below. Defaults as the issue suggests; calendar time until an admin sets hours.
CREATE TABLE sla_policies (
    priority                TEXT    PRIMARY KEY
                            CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    first_response_minutes  INTEGER NOT NULL CHECK (first_response_minutes BETWEEN 1 AND 525600),
    resolution_minutes      INTEGER NOT NULL CHECK (resolution_minutes BETWEEN 1 AND 525600),
    business_hours          INTEGER NOT NULL DEFAULT 0 CHECK (business_hours IN (0, 1))
);
INSERT INTO sla_policies (priority, first_response_minutes, resolution_minutes) VALUES
    ('urgent', 60, 240),
    ('high', 240, 1440),
    ('normal', 1440, 4320),
    ('low', 4320, 10080);

-- The business hours: one row. `week` holds each weekday's opening windows, Monday first,
-- as minutes after local midnight (JSON); `holidays` the closed dates (JSON, YYYY-MM-DD).
CREATE TABLE business_hours (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    zone      TEXT    NOT NULL,
    week      TEXT    NOT NULL,
    holidays  TEXT    NOT NULL DEFAULT '[]'
);
INSERT INTO business_hours (id, zone, week) VALUES
    (1, 'UTC', '[[[540,1020]],[[540,1020]],[[540,1020]],[[540,1020]],[[540,1020]],[],[]]');

-- Each ticket's targets, worked out by the app when it is filed, reprioritised, reopened,
-- or when a policy or the hours change (business hours need the time-zone database).
-- `first_response_at`: the first public comment by staff (or completion, whichever first).
-- `resolution_left_ms`: at completion, the target time that was left (negative: late), so
-- reopening restarts the clock from there. `resolution_met`: set at completion.
ALTER TABLE tickets ADD COLUMN first_response_due INTEGER;
ALTER TABLE tickets ADD COLUMN first_response_at INTEGER;
ALTER TABLE tickets ADD COLUMN resolution_due INTEGER;
ALTER TABLE tickets ADD COLUMN resolution_left_ms INTEGER;
ALTER TABLE tickets ADD COLUMN resolution_met INTEGER CHECK (resolution_met IN (0, 1));
-- The target an open ticket is racing now: what lists show, filter ("Overdue", "Due today")
-- and the dashboard counts, from one index of the open tickets' due times.
ALTER TABLE tickets ADD COLUMN next_due INTEGER GENERATED ALWAYS AS (
    CASE WHEN status = 'completed' THEN NULL
         WHEN first_response_at IS NULL AND first_response_due < resolution_due
             THEN first_response_due
         ELSE resolution_due END) VIRTUAL;

-- Tickets from before: the default (calendar) targets from when they were filed.
UPDATE tickets SET
    first_response_due = date_started + 60000 *
        (SELECT p.first_response_minutes FROM sla_policies p WHERE p.priority = tickets.priority),
    resolution_due = date_started + 60000 *
        (SELECT p.resolution_minutes FROM sla_policies p WHERE p.priority = tickets.priority),
    first_response_at = (SELECT MIN(c.created_at) FROM ticket_comments c
                          WHERE c.ticket_id = tickets.id AND c.internal = 0
                            AND c.user_id <> tickets.requested_by
                            AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = c.user_id
                                           AND r.role IN ('admin', 'agent')));
UPDATE tickets SET
    first_response_at = MIN(COALESCE(first_response_at, date_finished), date_finished),
    resolution_left_ms = resolution_due - date_finished,
    resolution_met = date_finished <= resolution_due
 WHERE status = 'completed';

CREATE INDEX tickets_next_due ON tickets (next_due) WHERE next_due IS NOT NULL;
-- The dashboard's met-target share: tickets finished in the last 30 days (0011's index
-- orders them; this one answers from the index alone).
CREATE INDEX tickets_finished_sla ON tickets (date_finished, resolution_met, first_response_at, first_response_due)
    WHERE date_finished IS NOT NULL;
