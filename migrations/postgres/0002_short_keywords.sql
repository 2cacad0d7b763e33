-- Keywords of one or two characters: pg_trgm extracts no trigram from them, so they get an
-- index of their own. roster_short_grams(t) is every distinct substring of t of length 1
-- and 2; `roster_short_grams(col) @> ARRAY[kw]` holds exactly when kw (1 or 2 characters)
-- is a substring of col, and a GIN index over the expression serves it.
CREATE FUNCTION roster_short_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(t, i, n)), '{}')
    FROM generate_series(1, char_length(t)) AS i, (VALUES (1), (2)) AS v(n)
    WHERE i + n - 1 <= char_length(t)
$$;

CREATE INDEX users_name_grams ON users USING gin (roster_short_grams(name_fold));
CREATE INDEX users_description_grams ON users USING gin (roster_short_grams(description_fold));
CREATE INDEX user_groups_name_grams ON user_groups USING gin (roster_short_grams(name_fold));
