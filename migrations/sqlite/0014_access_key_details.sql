-- Access keys of every user (IAM OS-CREDENTIAL and v5 access keys): a description the owner
-- gives, and when the key last signed a request (Unix ms, 0 = never; written at most once a
-- minute per key and node, see http::cache::Caches::note_use).
ALTER TABLE access_keys ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE access_keys ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;
