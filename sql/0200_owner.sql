-- Ownership: the NOLOGIN role hotload_owner owns the schema and every object in it, so no
-- login owns the tables. Owning a table is what allows ALTER TABLE ... DISABLE TRIGGER,
-- DROP and GRANT; after this file only these can do that:
--   * superusers (they bypass every check in this schema);
--   * members of hotload_owner (they act with its privileges);
--   * before PostgreSQL 16, roles with CREATEROLE (they may grant themselves hotload_owner).
-- `hotload init` therefore runs as a superuser or as a member of hotload_owner. The
-- append-only triggers of 0002 bind every role only while enabled, and the roles above
-- can disable them (see sql/README.md).
--
-- Also: every function of the schema is revoked from PUBLIC (EXECUTE is granted per
-- function to the group role that needs it), and the SECURITY DEFINER trigger function
-- that maintains channel_modules refuses to run as anything but its own trigger.

-- Roles are cluster-wide: two databases initialised at once may race to create the role,
-- so "already exists" is ignored, as in 0003_roles.sql.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hotload_owner') THEN
        BEGIN
            CREATE ROLE hotload_owner NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END
$$;

-- Say plainly who may run this, rather than failing on the first ALTER ... OWNER.
DO $$
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
       AND NOT pg_has_role(current_user, 'hotload_owner', 'MEMBER') THEN
        RAISE EXCEPTION 'role % may not initialise the hotload schema: it is neither a superuser nor a member of hotload_owner', current_user
            USING ERRCODE = 'insufficient_privilege',
                  HINT = format('run hotload init as a superuser, or have a superuser run: GRANT hotload_owner TO %I', current_user);
    END IF;
END
$$;

-- Transfer everything the initialising login created so far. Identity sequences and
-- indexes follow their tables.
ALTER SCHEMA hotload OWNER TO hotload_owner;
DO $$
DECLARE
    object text;
BEGIN
    FOR object IN
        SELECT c.oid::regclass::text FROM pg_class c
        WHERE c.relnamespace = 'hotload'::regnamespace AND c.relkind IN ('r', 'p')
    LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO hotload_owner', object);
    END LOOP;
    FOR object IN
        SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.pronamespace = 'hotload'::regnamespace
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO hotload_owner', object);
    END LOOP;
END
$$;

-- From here on, objects are created by the owner itself.
SET LOCAL ROLE hotload_owner;

-- A trigger function is attached with CREATE TRIGGER, which needs EXECUTE on it; PUBLIC
-- had EXECUTE, so any role could attach track_channel_modules (SECURITY DEFINER) to a
-- temporary table and rewrite channel_modules. Now only the owner can attach functions.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA hotload FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE hotload_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- Same body as in 0004, plus the guard: it runs only as the AFTER INSERT statement
-- trigger on hotload.release_changes, whatever table a superuser or owner attaches it to.
CREATE OR REPLACE FUNCTION hotload.track_channel_modules() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_RELID IS DISTINCT FROM 'hotload.release_changes'::regclass OR TG_OP <> 'INSERT'
       OR TG_LEVEL <> 'STATEMENT' OR TG_WHEN <> 'AFTER' THEN
        RAISE EXCEPTION 'hotload.track_channel_modules() runs only as the AFTER INSERT statement trigger of hotload.release_changes, not on %', TG_RELID::regclass
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- Only the newest change of each module in this statement counts; an older release
    -- never overwrites a newer one.
    WITH latest AS (
        SELECT DISTINCT ON (channel, module) channel, module, version, release
        FROM new_changes ORDER BY channel, module, release DESC)
    DELETE FROM hotload.channel_modules m
    USING latest l
    WHERE l.version IS NULL AND m.channel = l.channel AND m.module = l.module AND m.release <= l.release;

    WITH latest AS (
        SELECT DISTINCT ON (channel, module) channel, module, version, release
        FROM new_changes ORDER BY channel, module, release DESC)
    INSERT INTO hotload.channel_modules AS m (channel, module, version, sha256, release)
    SELECT l.channel, l.module, l.version, r.sha256, l.release
    FROM latest l
    JOIN hotload.revisions r ON r.module = l.module AND r.version = l.version
    WHERE l.version IS NOT NULL
    ON CONFLICT (channel, module) DO UPDATE
        SET version = EXCLUDED.version, sha256 = EXCLUDED.sha256, release = EXCLUDED.release
        WHERE m.release <= EXCLUDED.release;
    RETURN NULL;
END
$$;

-- Releases are now written by SECURITY DEFINER functions, where current_user is the
-- owner: the release records the login that pushed (session_user) instead.
CREATE OR REPLACE FUNCTION hotload.stamp_release() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.db_role := session_user;
    NEW.created_at := now();
    RETURN NEW;
END
$$;

REVOKE ALL ON FUNCTION hotload.track_channel_modules(), hotload.stamp_release() FROM PUBLIC;

COMMENT ON FUNCTION hotload.refuse_rewrite() IS
    'Append-only guard of history. Binding on every role while the triggers are enabled; superusers and members of hotload_owner can disable them.';
