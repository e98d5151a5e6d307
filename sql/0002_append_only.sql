-- History is append-only, enforced by the database itself: revisions, releases and
-- release changes refuse UPDATE, DELETE and TRUNCATE for every role while these triggers
-- are enabled. Superusers and members of the owner role hotload_owner (0200_owner.sql)
-- can disable them; nobody else can. (Comment corrected after release; the statements
-- are unchanged, see Migrations.correctedComments.)
-- A release's recorded role and time are set by the database, not by the client.

CREATE FUNCTION hotload.refuse_rewrite() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'hotload.% is append-only: history is never rewritten', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation',
              HINT = 'to undo a change, push a new release (hotload rollback)';
END
$$;

CREATE FUNCTION hotload.stamp_release() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.db_role := current_user;
    NEW.created_at := now();
    RETURN NEW;
END
$$;

CREATE FUNCTION hotload.stamp_revision() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.created_at := now();
    RETURN NEW;
END
$$;

CREATE TRIGGER revisions_append_only BEFORE UPDATE OR DELETE ON hotload.revisions
    FOR EACH ROW EXECUTE FUNCTION hotload.refuse_rewrite();
CREATE TRIGGER revisions_no_truncate BEFORE TRUNCATE ON hotload.revisions
    FOR EACH STATEMENT EXECUTE FUNCTION hotload.refuse_rewrite();
CREATE TRIGGER revisions_stamp BEFORE INSERT ON hotload.revisions
    FOR EACH ROW EXECUTE FUNCTION hotload.stamp_revision();

CREATE TRIGGER releases_append_only BEFORE UPDATE OR DELETE ON hotload.releases
    FOR EACH ROW EXECUTE FUNCTION hotload.refuse_rewrite();
CREATE TRIGGER releases_no_truncate BEFORE TRUNCATE ON hotload.releases
    FOR EACH STATEMENT EXECUTE FUNCTION hotload.refuse_rewrite();
CREATE TRIGGER releases_stamp BEFORE INSERT ON hotload.releases
    FOR EACH ROW EXECUTE FUNCTION hotload.stamp_release();

CREATE TRIGGER release_changes_append_only BEFORE UPDATE OR DELETE ON hotload.release_changes
    FOR EACH ROW EXECUTE FUNCTION hotload.refuse_rewrite();
CREATE TRIGGER release_changes_no_truncate BEFORE TRUNCATE ON hotload.release_changes
    FOR EACH STATEMENT EXECUTE FUNCTION hotload.refuse_rewrite();

-- Modules and channels are never deleted (history points at them).
CREATE TRIGGER modules_no_delete BEFORE DELETE ON hotload.modules
    FOR EACH ROW EXECUTE FUNCTION hotload.refuse_rewrite();
CREATE TRIGGER modules_no_truncate BEFORE TRUNCATE ON hotload.modules
    FOR EACH STATEMENT EXECUTE FUNCTION hotload.refuse_rewrite();
CREATE TRIGGER channels_no_delete BEFORE DELETE ON hotload.channels
    FOR EACH ROW EXECUTE FUNCTION hotload.refuse_rewrite();
CREATE TRIGGER channels_no_truncate BEFORE TRUNCATE ON hotload.channels
    FOR EACH STATEMENT EXECUTE FUNCTION hotload.refuse_rewrite();
