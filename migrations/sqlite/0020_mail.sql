-- Mail (issue 23). One row of state: whether changes are queued for mail (set by the
-- server at boot: smtp_url given and an admin has not switched mail off), the admin's
-- switch, the key that signs our Message-IDs, and how far overdue tickets were looked for.
CREATE TABLE mail_state (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    queueing            INTEGER NOT NULL DEFAULT 0 CHECK (queueing IN (0, 1)),
    switched_off        INTEGER NOT NULL DEFAULT 0 CHECK (switched_off IN (0, 1)),
    secret              TEXT    NOT NULL,
    overdue_checked_at  INTEGER,
    -- Incoming mail: from an address no user has, refuse it or open an account; where a
    -- ticket opened by mail goes (unset: the sender's department, else the first).
    unknown_senders     TEXT    NOT NULL DEFAULT 'refuse'
                        CHECK (unknown_senders IN ('refuse', 'create_user')),
    inbound_department_id    INTEGER REFERENCES departments (id) ON DELETE SET NULL,
    inbound_request_type_id  INTEGER REFERENCES request_types (id) ON DELETE SET NULL
);
INSERT INTO mail_state (id, secret) VALUES (1, lower(hex(randomblob(32))));

-- The transactional outbox's first half: a row per change that may be mailed, written by
-- the trigger below in the change's own transaction (every path that writes history gets
-- it, bulk triage included), or by the overdue check (event_id NULL). The sender turns a
-- ticket's rows into mails once the first is a minute old, so a burst of changes is one mail.
CREATE TABLE mail_pending (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    event_id    INTEGER REFERENCES ticket_events (id) ON DELETE CASCADE,
    overdue     INTEGER NOT NULL DEFAULT 0 CHECK (overdue IN (0, 1)),
    created_at  INTEGER NOT NULL
);
CREATE INDEX mail_pending_ticket ON mail_pending (ticket_id, created_at);
CREATE TRIGGER ticket_events_mail AFTER INSERT ON ticket_events
    WHEN (SELECT queueing FROM mail_state WHERE id = 1)
BEGIN
    INSERT INTO mail_pending (ticket_id, event_id, created_at)
    VALUES (NEW.ticket_id, NEW.id, NEW.created_at);
END;

-- The second half: each mail as sent (the whole message, so a resend is the same bytes
-- with the same Message-ID), its state, attempts, lease and last error.
CREATE TABLE mail_outbox (
    id               INTEGER PRIMARY KEY,
    ticket_id        INTEGER REFERENCES tickets (id) ON DELETE SET NULL,
    user_id          INTEGER REFERENCES users (id) ON DELETE SET NULL,
    to_address       TEXT    NOT NULL,
    subject          TEXT    NOT NULL,
    message_id       TEXT    NOT NULL UNIQUE,
    message          TEXT    NOT NULL,
    state            TEXT    NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    lease_until      INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE state = 'queued';
CREATE INDEX mail_outbox_state ON mail_outbox (state, id);
CREATE INDEX mail_outbox_failed ON mail_outbox (created_at) WHERE state = 'failed';
-- Sent mail is kept 30 days (the Mail page's record), then deleted by the sender.
CREATE INDEX mail_outbox_sent ON mail_outbox (sent_at) WHERE state = 'sent';

-- Which mail each person gets: NULL is the defaults (mail/model.rs: MailTopic), else the
-- topics chosen, comma-separated.
ALTER TABLE users ADD COLUMN mail_topics TEXT;

-- Each mail read from the mailbox, once (its Message-ID): what became of it and why. A
-- mail is flagged in the mailbox only after this row commits, so a crash in between reads
-- it again and finds it here.
CREATE TABLE mail_inbound (
    id            INTEGER PRIMARY KEY,
    message_id    TEXT    NOT NULL UNIQUE,
    from_address  TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    outcome       TEXT    NOT NULL
                  CHECK (outcome IN ('comment', 'ticket', 'refused', 'ignored', 'set_aside')),
    reason        TEXT,
    ticket_id     INTEGER REFERENCES tickets (id) ON DELETE SET NULL,
    received_at   INTEGER NOT NULL
);
CREATE INDEX mail_inbound_sender ON mail_inbound (from_address, received_at);
