-- Every failed login purges the failure windows that have ended
-- (`DELETE FROM login_failures WHERE window_start <= ?`): without an index that is a scan of
-- the whole table on each failure, the very path a password-guessing burst takes.
CREATE INDEX login_failures_window ON login_failures (window_start);
