-- Group roles (NOLOGIN) with least privilege. Grant them to login roles, e.g.
--   CREATE ROLE ci LOGIN PASSWORD '...' IN ROLE hotload_pusher;
-- Roles are cluster-wide: two databases initialised at once may race to create them,
-- so "already exists" (duplicate_object or the unique index on pg_authid) is ignored;
-- existing roles are not created again, so a later init needs no CREATEROLE.

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['hotload_reader', 'hotload_node', 'hotload_pusher'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
END
$$;

REVOKE ALL ON SCHEMA hotload FROM PUBLIC;
GRANT USAGE ON SCHEMA hotload TO hotload_reader, hotload_node, hotload_pusher;

-- Readers and nodes read code and history; they write nothing here.
GRANT SELECT ON hotload.modules, hotload.revisions, hotload.channels, hotload.releases,
    hotload.release_changes, hotload.schema_migrations
    TO hotload_reader, hotload_node, hotload_pusher;

-- Pushers create modules, revisions and releases and move channel heads.
-- Column-level UPDATE also allows the SELECT ... FOR UPDATE that serialises pushes.
GRANT INSERT ON hotload.modules, hotload.revisions, hotload.channels, hotload.releases,
    hotload.release_changes TO hotload_pusher;
GRANT UPDATE (latest_version) ON hotload.modules TO hotload_pusher;
GRANT UPDATE (head) ON hotload.channels TO hotload_pusher;
GRANT USAGE ON SEQUENCE hotload.releases_id_seq TO hotload_pusher;
