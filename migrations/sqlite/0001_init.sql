-- The whole data model of the helpdesk. Timestamps are INTEGER unix milliseconds (UTC):
-- indexable, sortable, formatted in the UI.
-- Never edit this file once it has landed: add a new migration instead.

CREATE TABLE departments (
    id          INTEGER PRIMARY KEY,
    -- NOCASE: "Finance" and "finance" are the same department.
    name        TEXT    NOT NULL COLLATE NOCASE UNIQUE
                        CHECK (length(name) BETWEEN 1 AND 100),
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT    NOT NULL UNIQUE CHECK (length(username) BETWEEN 3 AND 32),
    email          TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    password_hash  TEXT    NOT NULL,
    avatar_url     TEXT,
    -- RESTRICT: a department cannot disappear from under its members.
    department_id  INTEGER REFERENCES departments (id) ON DELETE RESTRICT,
    status         TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX users_department ON users (department_id);

-- Roles are a set per user.
CREATE TABLE user_roles (
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role     TEXT    NOT NULL CHECK (role IN ('admin', 'user')),
    PRIMARY KEY (user_id, role)
) WITHOUT ROWID;
-- Counting active admins (the last-admin rule) starts from the role.
CREATE INDEX user_roles_role ON user_roles (role, user_id);

CREATE TABLE request_types (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL COLLATE NOCASE UNIQUE
                        CHECK (length(name) BETWEEN 1 AND 100),
    created_at  INTEGER NOT NULL
);
INSERT INTO request_types (name, created_at) VALUES
    ('Hardware', 0), ('Software', 0), ('Network', 0), ('Account access', 0), ('Other', 0);

-- Service request numbers: one row per year, bumped with UPDATE ... RETURNING inside the
-- ticket's own transaction, so numbers never repeat, even after deletes.
CREATE TABLE ticket_sequences (
    year  INTEGER PRIMARY KEY,
    last  INTEGER NOT NULL
);

CREATE TABLE tickets (
    id                  INTEGER PRIMARY KEY,
    service_request_no  TEXT    NOT NULL UNIQUE,
    requested_by        INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    request_type_id     INTEGER NOT NULL REFERENCES request_types (id) ON DELETE RESTRICT,
    department_id       INTEGER NOT NULL REFERENCES departments (id) ON DELETE RESTRICT,
    subject             TEXT    NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    status              TEXT    NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'ongoing', 'completed')),
    date_started        INTEGER NOT NULL,
    date_finished       INTEGER,
    -- A finished date exists exactly when the ticket is completed.
    CHECK ((status = 'completed') = (date_finished IS NOT NULL))
);
-- The lists: newest first, keyset-paginated on (date_started, id), filtered by one column.
CREATE INDEX tickets_started            ON tickets (date_started DESC, id DESC);
CREATE INDEX tickets_requester_started  ON tickets (requested_by, date_started DESC, id DESC);
CREATE INDEX tickets_status_started     ON tickets (status, date_started DESC, id DESC);
CREATE INDEX tickets_department_started ON tickets (department_id, date_started DESC, id DESC);
CREATE INDEX tickets_type_started       ON tickets (request_type_id, date_started DESC, id DESC);

CREATE TABLE ticket_comments (
    id            INTEGER PRIMARY KEY,
    ticket_id     INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    comment_text  TEXT    NOT NULL CHECK (length(comment_text) BETWEEN 1 AND 10000),
    device_no     TEXT    CHECK (device_no IS NULL OR length(device_no) <= 64),
    created_at    INTEGER NOT NULL
);
CREATE INDEX ticket_comments_thread ON ticket_comments (ticket_id, created_at, id);
CREATE INDEX ticket_comments_user   ON ticket_comments (user_id);
