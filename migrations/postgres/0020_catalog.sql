-- Keystone's service catalog (issue 15): regions, services and endpoints that an operator
-- adds beside the faces Roster serves itself (those are not rows: their URLs follow the
-- configured public URL, see src/iam/catalog.rs). Global, as Keystone's catalog is: no
-- account owns a row. Keep column names and meanings identical to
-- migrations/sqlite/0020_catalog.sql.
--
-- The store keeps beneath these tables: deleting a service deletes its endpoints;
-- deleting a region deletes its child regions (Keystone's rule), and is refused while an
-- endpoint is in it or in one of them.

-- A region: any id of at most 255 characters (Keystone's), a tree by parent_region_id.
CREATE TABLE regions (
    id               TEXT PRIMARY KEY,
    description      TEXT NOT NULL DEFAULT '',
    parent_region_id TEXT REFERENCES regions(id),
    -- attributes beyond Keystone's own, as a JSON object (Keystone keeps them as `extra`)
    extra            TEXT NOT NULL DEFAULT '{}',
    created_at       BIGINT NOT NULL
);
CREATE INDEX regions_parent ON regions (parent_region_id);

-- A service: its type (identity, compute, ...), name, description, enabled.
CREATE TABLE services (
    id          TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    extra       TEXT NOT NULL DEFAULT '{}',
    enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  BIGINT NOT NULL
);
CREATE INDEX services_type ON services (type);

-- An endpoint: where a service answers on one interface (public, internal, admin), in a
-- region or in none.
CREATE TABLE endpoints (
    id         TEXT PRIMARY KEY,
    service_id TEXT NOT NULL REFERENCES services(id),
    region_id  TEXT REFERENCES regions(id),
    interface  TEXT NOT NULL CHECK (interface IN ('public', 'internal', 'admin')),
    url        TEXT NOT NULL,
    extra      TEXT NOT NULL DEFAULT '{}',
    enabled    BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX endpoints_service ON endpoints (service_id);
CREATE INDEX endpoints_region ON endpoints (region_id);

-- Keystone's policy blobs (/v3/policies): opaque documents of a MIME type, kept for the
-- services that read them; Roster's own authorization does not (its policies are IAM's).
CREATE TABLE keystone_policies (
    id         TEXT PRIMARY KEY,
    type       TEXT NOT NULL,
    blob       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
