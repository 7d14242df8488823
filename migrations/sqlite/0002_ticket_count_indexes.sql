-- The per-status counts above a filtered ticket list group by status within a department or
-- a request type. Covering (filter column, status) indexes let SQLite count from the index
-- alone: with 100,000 tickets the department counts went from 64 ms to 8 ms (measured with
-- the list's own query; the list itself keeps using the *_started indexes of 0001).
CREATE INDEX tickets_department_status ON tickets (department_id, status);
CREATE INDEX tickets_type_status       ON tickets (request_type_id, status);
