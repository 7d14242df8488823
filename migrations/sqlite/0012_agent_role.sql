-- Agents: staff who work every ticket but do not administer (issue 22). SQLite cannot
-- change a CHECK constraint, so the (small) role table is rebuilt with the new one.
CREATE TABLE user_roles_new (
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role     TEXT    NOT NULL CHECK (role IN ('admin', 'agent', 'user')),
    PRIMARY KEY (user_id, role)
) WITHOUT ROWID;
INSERT INTO user_roles_new (user_id, role) SELECT user_id, role FROM user_roles;
DROP TABLE user_roles;
ALTER TABLE user_roles_new RENAME TO user_roles;
-- Counting active admins (the last-admin rule) and listing staff start from the role.
CREATE INDEX user_roles_role ON user_roles (role, user_id);
