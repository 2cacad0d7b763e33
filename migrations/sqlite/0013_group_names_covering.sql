-- A user list shows each user's group names (store::sqlite::users::group_names): for every
-- membership of the page's users the group's seq and name by its id. Over the UNIQUE(id)
-- index that was a search of the index and then of the table; this index answers it alone
-- (the statement names it with INDEXED BY: the planner prefers the unique index).
CREATE INDEX user_groups_id_names ON user_groups (id, seq, name);
