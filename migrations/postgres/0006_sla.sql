-- SLA targets (issue 22; SQLite 0016): a policy per priority, one business-hours schedule,
-- each ticket's due times (worked out by the app) and the target it is racing now.
CREATE TABLE sla_policies (
    priority                TEXT    PRIMARY KEY
                            CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    first_response_minutes  BIGINT  NOT NULL CHECK (first_response_minutes BETWEEN 1 AND 525600),
    resolution_minutes      BIGINT  NOT NULL CHECK (resolution_minutes BETWEEN 1 AND 525600),
    business_hours          BOOLEAN NOT NULL DEFAULT false
);
INSERT INTO sla_policies (priority, first_response_minutes, resolution_minutes) VALUES
    ('urgent', 60, 240),
    ('high', 240, 1440),
    ('normal', 1440, 4320),
    ('low', 4320, 10080);

CREATE TABLE business_hours (
    id        BIGINT PRIMARY KEY CHECK (id = 1),
    zone      TEXT   NOT NULL,
    week      TEXT   NOT NULL,
    holidays  TEXT   NOT NULL DEFAULT '[]'
);
INSERT INTO business_hours (id, zone, week) VALUES
    (1, 'UTC', '[[[540,1020]],[[540,1020]],[[540,1020]],[[540,1020]],[[540,1020]],[],[]]');

ALTER TABLE tickets
    ADD COLUMN first_response_due BIGINT,
    ADD COLUMN first_response_at BIGINT,
    ADD COLUMN resolution_due BIGINT,
    ADD COLUMN resolution_left_ms BIGINT,
    ADD COLUMN resolution_met BOOLEAN;

UPDATE tickets t SET
    first_response_due = t.date_started + 60000 * p.first_response_minutes,
    resolution_due = t.date_started + 60000 * p.resolution_minutes,
    first_response_at = (SELECT MIN(c.created_at) FROM ticket_comments c
                          WHERE c.ticket_id = t.id AND NOT c.internal
                            AND c.user_id <> t.requested_by
                            AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = c.user_id
                                           AND r.role IN ('admin', 'agent')))
  FROM sla_policies p WHERE p.priority = t.priority;
UPDATE tickets SET
    first_response_at = LEAST(COALESCE(first_response_at, date_finished), date_finished),
    resolution_left_ms = resolution_due - date_finished,
    resolution_met = date_finished <= resolution_due
 WHERE status = 'completed';

ALTER TABLE tickets ADD COLUMN next_due BIGINT GENERATED ALWAYS AS (
    CASE WHEN status = 'completed' THEN NULL
         WHEN first_response_at IS NULL AND first_response_due < resolution_due
             THEN first_response_due
         ELSE resolution_due END) STORED;

CREATE INDEX tickets_next_due ON tickets (next_due) WHERE next_due IS NOT NULL;
CREATE INDEX tickets_finished_sla ON tickets (date_finished, resolution_met, first_response_at, first_response_due)
    WHERE date_finished IS NOT NULL;
