-- A user list shows each user's group names (store::postgres::users: an ARRAY subquery of
-- the page's statement): the page's users' memberships, then each group's seq and name by
-- its id. Both indexes below let those be index-only scans (memberships_user and the
-- unique index on user_groups.id made them two heap visits a membership). The old
-- memberships_user (user_id) is a prefix of the new one and goes.
CREATE INDEX memberships_user_group ON memberships (user_id, group_id);
DROP INDEX memberships_user;
CREATE INDEX user_groups_id_names ON user_groups (id) INCLUDE (seq, name);
