-- Publishing: pushers no longer write the history tables directly. Two SECURITY DEFINER
-- functions (owned by hotload_owner, fixed search_path, EXECUTE only for hotload_pusher)
-- are the only way in, and hotload.publish() is the one owner of the publish rules:
--   * a release is created only on the channel it names, with the channel's current
--     head as its parent (a head moves only with its own, new release);
--   * its changes are inserted in the same call, so no change row is ever added to an
--     existing release;
--   * versions are allocated only by +1 per new revision, so no counter can be set to a
--     value that makes a module unpushable;
--   * each change must fit the head it replaces (add: module absent; modify: present,
--     other content; delete: present; rollback: an existing, different version); at
--     least one change, each module once; author and message without control
--     characters (the message may hold newlines and tabs);
--   * one NOTIFY on hotload_release per release, sent at commit.
-- Foreign keys on (release, channel) back the first two rules up for the owner as well.
-- Future rules (staged rollouts, signatures) belong in publish() too.

SET LOCAL ROLE hotload_owner;

ALTER TABLE hotload.releases ADD CONSTRAINT releases_id_channel_key UNIQUE (id, channel);
ALTER TABLE hotload.channels ADD CONSTRAINT channels_head_on_own_channel
    FOREIGN KEY (head, name) REFERENCES hotload.releases (id, channel);
ALTER TABLE hotload.release_changes ADD CONSTRAINT release_changes_on_release_channel
    FOREIGN KEY (release, channel) REFERENCES hotload.releases (id, channel);

-- Pushers read everything and write through the functions below only.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON hotload.modules, hotload.revisions, hotload.channels,
    hotload.releases, hotload.release_changes, hotload.channel_modules FROM hotload_pusher;
REVOKE ALL ON SEQUENCE hotload.releases_id_seq FROM hotload_pusher;

-- Starts a push: creates the channel when asked, locks its row until the transaction
-- ends (so concurrent pushes to one channel queue up instead of failing) and returns its
-- head (NULL: no such channel, or no release yet).
CREATE FUNCTION hotload.lock_channel(channel text, create_missing boolean) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    head bigint;
BEGIN
    IF create_missing THEN
        INSERT INTO hotload.channels (name) VALUES (lock_channel.channel) ON CONFLICT DO NOTHING;
    END IF;
    SELECT c.head INTO head FROM hotload.channels c WHERE c.name = lock_channel.channel FOR UPDATE;
    RETURN head;
END
$$;

-- Creates one release of `channel` whose parent is `parent` (NULL for the first) and
-- moves the head to it. Change i is modules[i] with actions[i]; sources[i] is the text for
-- add/modify (an identical revision is reused, else the next version is allocated);
-- versions[i] is the existing version for rollback; both are NULL for delete.
-- Returns the new release id; the versions are in its release_changes rows.
CREATE FUNCTION hotload.publish(channel text, parent bigint, author text, message text, skipped_check boolean,
                                modules text[], actions text[], versions integer[], sources text[])
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    current_head bigint;
    new_release  bigint;
    n            integer := coalesce(cardinality(modules), 0);
    shas         text[];
    fresh        text[];
    refused      record;
BEGIN
    IF n = 0 THEN
        RAISE EXCEPTION 'a release needs at least one change' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(cardinality(actions), 0) <> n OR coalesce(cardinality(versions), 0) <> n
       OR coalesce(cardinality(sources), 0) <> n THEN
        RAISE EXCEPTION 'modules, actions, versions and sources must have one entry per change'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF array_position(modules, NULL) IS NOT NULL
       OR (SELECT count(DISTINCT m) FROM unnest(modules) m) <> n THEN
        RAISE EXCEPTION 'every change needs a module, and each module may change once per release'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF author IS NULL OR author ~ '[\x01-\x1f\x7f-\x9f]' OR message IS NULL OR message ~ '[\x01-\x08\x0b-\x1f\x7f-\x9f]' THEN
        RAISE EXCEPTION 'author and message must be given and contain no control characters (the message may contain newlines and tabs)'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    SELECT c.head INTO current_head FROM hotload.channels c WHERE c.name = publish.channel FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'channel % does not exist', publish.channel USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF current_head IS DISTINCT FROM parent THEN
        RAISE EXCEPTION 'channel % moved: its head is %, not %', publish.channel,
                coalesce(current_head::text, 'empty'), coalesce(parent::text, 'empty')
            USING ERRCODE = 'HL001';
    END IF;

    -- Every change must fit the head it replaces (the channel row lock keeps it current).
    shas := ARRAY(SELECT encode(sha256(convert_to(s, 'UTF8')), 'hex') FROM unnest(sources) WITH ORDINALITY AS t(s, i) ORDER BY i);
    SELECT c.module, c.action INTO refused
    FROM unnest(modules, actions, versions, shas) AS c(module, action, version, sha)
    LEFT JOIN hotload.channel_modules h ON h.channel = publish.channel AND h.module = c.module
    WHERE (CASE c.action
        WHEN 'add'      THEN h.module IS NULL AND c.sha IS NOT NULL AND c.version IS NULL
        WHEN 'modify'   THEN h.sha256 <> c.sha AND c.version IS NULL
        WHEN 'delete'   THEN h.module IS NOT NULL AND c.sha IS NULL AND c.version IS NULL
        WHEN 'rollback' THEN c.sha IS NULL AND h.version IS DISTINCT FROM c.version
                             AND EXISTS (SELECT 1 FROM hotload.revisions r
                                         WHERE r.module = c.module AND r.version = c.version)
        END) IS NOT TRUE
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'change % of module % does not fit the head of channel %', refused.action, refused.module, publish.channel
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'add needs a module absent from the head; modify a present one with other content; delete a present one; rollback an existing version other than the current one';
    END IF;

    -- New content gets the next version of its module; modules are locked in name order
    -- so that concurrent pushes to different channels cannot deadlock.
    fresh := ARRAY(
        SELECT c.module FROM unnest(modules, shas) AS c(module, sha)
        WHERE c.sha IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM hotload.revisions r WHERE r.module = c.module AND r.sha256 = c.sha)
        ORDER BY c.module);
    IF cardinality(fresh) > 0 THEN
        INSERT INTO hotload.modules (name) SELECT f FROM unnest(fresh) f ORDER BY f ON CONFLICT DO NOTHING;
        PERFORM 1 FROM hotload.modules m WHERE m.name = ANY (fresh) ORDER BY m.name FOR UPDATE;
        IF EXISTS (SELECT 1 FROM hotload.modules m WHERE m.name = ANY (fresh) AND m.latest_version = 2147483647) THEN
            RAISE EXCEPTION 'a module of this release has used up its version numbers' USING ERRCODE = 'program_limit_exceeded';
        END IF;
        WITH bumped AS (
            UPDATE hotload.modules m SET latest_version = m.latest_version + 1
            WHERE m.name = ANY (fresh) RETURNING m.name, m.latest_version)
        INSERT INTO hotload.revisions (module, version, source, sha256, author, message)
        SELECT b.name, b.latest_version, c.source, c.sha, publish.author, publish.message
        FROM bumped b JOIN unnest(modules, sources, shas) AS c(module, source, sha) ON c.module = b.name;
    END IF;

    INSERT INTO hotload.releases (channel, parent, author, message, skipped_check)
    VALUES (publish.channel, parent, author, message, coalesce(skipped_check, false))
    RETURNING id INTO new_release;

    INSERT INTO hotload.release_changes (release, channel, module, version, action)
    SELECT new_release, publish.channel, c.module,
           CASE WHEN c.sha IS NULL THEN c.version
                ELSE (SELECT max(r.version) FROM hotload.revisions r WHERE r.module = c.module AND r.sha256 = c.sha)
           END,
           c.action
    FROM unnest(modules, actions, versions, shas) AS c(module, action, version, sha);

    UPDATE hotload.channels c SET head = new_release WHERE c.name = publish.channel;
    -- The one wake-up hint of this release; delivered by PostgreSQL at commit. Channel
    -- names are [a-z][a-z0-9_-]* (CHECK), so they need no JSON escaping.
    PERFORM pg_notify('hotload_release', format('{"channel":"%s","release":%s}', publish.channel, new_release));
    RETURN new_release;
END
$$;

REVOKE ALL ON FUNCTION hotload.lock_channel(text, boolean),
    hotload.publish(text, bigint, text, text, boolean, text[], text[], integer[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hotload.lock_channel(text, boolean),
    hotload.publish(text, bigint, text, text, boolean, text[], text[], integer[], text[]) TO hotload_pusher;
