-- The module set at the head of each channel, kept by the database itself so that the
-- head's manifest (what nodes load, what a push compares against) is one small indexed
-- read instead of one probe per module. It is a cache derived from release_changes:
-- only the trigger below writes it (as the schema owner), so it cannot drift from history.

CREATE TABLE hotload.channel_modules (
    channel text NOT NULL REFERENCES hotload.channels (name),
    module  text NOT NULL REFERENCES hotload.modules (name),
    version integer NOT NULL,
    sha256  text NOT NULL,
    release bigint NOT NULL REFERENCES hotload.releases (id),
    PRIMARY KEY (channel, module),
    FOREIGN KEY (module, version) REFERENCES hotload.revisions (module, version)
);

CREATE FUNCTION hotload.track_channel_modules() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
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

CREATE TRIGGER release_changes_track_channel_modules AFTER INSERT ON hotload.release_changes
    REFERENCING NEW TABLE AS new_changes
    FOR EACH STATEMENT EXECUTE FUNCTION hotload.track_channel_modules();

-- Channels that already have releases start with their current head.
INSERT INTO hotload.channel_modules (channel, module, version, sha256, release)
SELECT l.channel, l.module, l.version, r.sha256, l.release
FROM (
    SELECT DISTINCT ON (channel, module) channel, module, version, release
    FROM hotload.release_changes ORDER BY channel, module, release DESC) l
JOIN hotload.revisions r ON r.module = l.module AND r.version = l.version
WHERE l.version IS NOT NULL;

GRANT SELECT ON hotload.channel_modules TO hotload_reader, hotload_node, hotload_pusher;
