-- Signed releases (issue 11): the database stores and distributes signatures over release
-- manifests, but cannot make them. Nodes with a trust file verify them (HotloadStore's
-- ReleaseManifest is the signed encoding; TrustPolicy the check); the database only keeps
-- their shape honest.
--   * signing_keys: public keys registered for audit (who owns which key id). Trust is
--     the nodes' trust file, never this table. Written only by hotload.key_register.
--   * release_signatures: one row per (release, key); append-only like the history.
--     Written only by hotload.release_sign, in the transaction that creates the release.
--   * publish gains a last parameter `notify` (default true). A signing push passes false,
--     signs the new release in the same transaction, and hotload.release_sign sends the
--     release's one NOTIFY: the signed payload (ReleaseNotification in Swift; it carries
--     the signed manifest and the changed sources) when the release became the channel's
--     stable head at once and the payload names it; otherwise the plain one.

SET LOCAL ROLE hotload_owner;

CREATE TABLE hotload.signing_keys (
    key_id        text PRIMARY KEY CONSTRAINT signing_keys_key_id_hex CHECK (key_id ~ '^[0-9a-f]{64}$'),
    public_key    text NOT NULL UNIQUE CONSTRAINT signing_keys_public_key_hex CHECK (public_key ~ '^[0-9a-f]{64}$'),
    owner         text NOT NULL
                  CONSTRAINT signing_keys_owner_valid CHECK (length(owner) BETWEEN 1 AND 200 AND owner !~ '[\x01-\x1f\x7f-\x9f]'),
    registered_by text NOT NULL DEFAULT session_user,
    registered_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT signing_keys_id_matches_key CHECK (key_id = encode(sha256(decode(public_key, 'hex')), 'hex'))
);

CREATE TABLE hotload.release_signatures (
    release    bigint NOT NULL REFERENCES hotload.releases (id),
    key_id     text NOT NULL CONSTRAINT release_signatures_key_id_hex CHECK (key_id ~ '^[0-9a-f]{64}$'),
    signature  bytea NOT NULL CONSTRAINT release_signatures_length CHECK (length(signature) = 64),
    db_role    text NOT NULL DEFAULT session_user,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (release, key_id)
);

CREATE TRIGGER signing_keys_append_only BEFORE UPDATE OR DELETE ON hotload.signing_keys
    FOR EACH ROW EXECUTE FUNCTION hotload.refuse_rewrite();
CREATE TRIGGER signing_keys_no_truncate BEFORE TRUNCATE ON hotload.signing_keys
    FOR EACH STATEMENT EXECUTE FUNCTION hotload.refuse_rewrite();
CREATE TRIGGER release_signatures_append_only BEFORE UPDATE OR DELETE ON hotload.release_signatures
    FOR EACH ROW EXECUTE FUNCTION hotload.refuse_rewrite();
CREATE TRIGGER release_signatures_no_truncate BEFORE TRUNCATE ON hotload.release_signatures
    FOR EACH STATEMENT EXECUTE FUNCTION hotload.refuse_rewrite();

GRANT SELECT ON hotload.signing_keys, hotload.release_signatures
    TO hotload_reader, hotload_node, hotload_pusher, hotload_approver, hotload_operator, hotload_admin;

-- publish as in 0300, with the last parameter notify. PostgreSQL cannot add a parameter
-- with CREATE OR REPLACE, so the ten-argument function is dropped and this one takes its
-- place and its grant.
DROP FUNCTION hotload.publish(text, bigint, text, text, boolean, text[], text[], integer[], text[], boolean);

CREATE FUNCTION hotload.publish(channel text, parent bigint, author text, message text, skipped_check boolean,
                                modules text[], actions text[], versions integer[], sources text[],
                                supersede boolean DEFAULT false, notify boolean DEFAULT true)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    current_head bigint;
    new_release  bigint;
    n            integer := coalesce(cardinality(modules), 0);
    shas         text[];
    fresh        text[];
    refused      record;
    active       hotload.rollouts;
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

    -- Rollouts: a push while a rollout is active is refused (HL010) unless it
    -- supersedes it, which aborts it first (recorded as the pusher's abort event).
    SELECT * INTO active FROM hotload.rollouts o
    WHERE o.channel = publish.channel AND o.phase IN ('proposed', 'approved', 'progressing', 'paused') FOR UPDATE;
    IF FOUND THEN
        IF NOT coalesce(supersede, false) THEN
            RAISE EXCEPTION 'channel % has an active rollout (%)', publish.channel, active.id
                USING ERRCODE = 'HL010', DETAIL = active.id::text,
                      HINT = 'finish it (promote or abort) first, or push with supersede';
        END IF;
        PERFORM hotload.rollout_finish(active, 'aborted', 'superseded by a push');
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

    -- Rollouts: without a policy the release is stable at once, as before; with one,
    -- it becomes the candidate of a new rollout and stable stays where it is.
    IF EXISTS (SELECT 1 FROM hotload.channel_policies p WHERE p.channel = publish.channel) THEN
        UPDATE hotload.channels c SET head = new_release WHERE c.name = publish.channel;
        PERFORM hotload.rollout_create(publish.channel, new_release, NULL, NULL, NULL, NULL);
    ELSE
        UPDATE hotload.channels c SET head = new_release, stable = new_release WHERE c.name = publish.channel;
    END IF;
    -- The one wake-up of this release, delivered by PostgreSQL at commit (signatures, new:
    -- unless the caller sends it with hotload.release_sign, after signing the release).
    IF coalesce(notify, true) THEN
        PERFORM hotload.notify_release(publish.channel, new_release);
    END IF;
    RETURN new_release;
END
$$;

-- Registers a public key (64 hex digits) for audit under `owner`; returns its key id.
-- Registering a key again under the same owner does nothing; under another owner it is
-- refused (HL022, the registered owner in DETAIL).
CREATE FUNCTION hotload.key_register(public_key text, owner text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    id       text;
    existing text;
BEGIN
    IF public_key IS NULL OR public_key !~ '^[0-9a-f]{64}$' THEN
        RAISE EXCEPTION 'a public key is 64 lowercase hex digits' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    id := encode(sha256(decode(public_key, 'hex')), 'hex');
    SELECT k.owner INTO existing FROM hotload.signing_keys k WHERE k.key_id = id;
    IF FOUND THEN
        IF existing IS DISTINCT FROM key_register.owner THEN
            RAISE EXCEPTION 'key % is registered to %', id, existing USING ERRCODE = 'HL022', DETAIL = existing;
        END IF;
        RETURN id;
    END IF;
    INSERT INTO hotload.signing_keys (key_id, public_key, owner) VALUES (id, key_register.public_key, key_register.owner);
    RETURN id;
END
$$;

-- Attaches signatures (key_ids[i] signed with signatures[i], 128 hex digits each) to
-- `release`, which this transaction created (HL024 otherwise), then sends the release's NOTIFY. `payload` is the signed wake-up the pusher
-- built (ReleaseNotification): it is sent only when the release is its channel's stable
-- head (no rollout holds it back), it names the channel and the release, and it fits;
-- otherwise the plain wake-up is sent. The database cannot verify an ed25519 signature:
-- the nodes do. A key that already signed the release is refused (HL023).
CREATE FUNCTION hotload.release_sign(release bigint, key_ids text[], signatures text[], payload text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    target hotload.releases;
    c      hotload.channels;
    n      integer := coalesce(cardinality(key_ids), 0);
    prefix text;
BEGIN
    SELECT * INTO target FROM hotload.releases r WHERE r.id = release_sign.release;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'release % does not exist', release_sign.release USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Only the push that creates a release signs it: nobody can attach signatures (a junk
    -- one by a trusted key id would make nodes refuse the release) to someone else's.
    IF target.created_at <> now() THEN
        RAISE EXCEPTION 'release % was not created in this transaction', release_sign.release USING ERRCODE = 'HL024',
            HINT = 'signatures are attached by the push that creates the release';
    END IF;
    IF n = 0 OR coalesce(cardinality(signatures), 0) <> n THEN
        RAISE EXCEPTION 'give one signature per key id, at least one' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(key_ids, signatures) AS s(k, g)
               WHERE k IS NULL OR k !~ '^[0-9a-f]{64}$' OR g IS NULL OR g !~ '^[0-9a-f]{128}$') THEN
        RAISE EXCEPTION 'a key id is 64 and a signature 128 lowercase hex digits' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM hotload.release_signatures s
               WHERE s.release = release_sign.release AND s.key_id = ANY (key_ids))
       OR (SELECT count(DISTINCT k) FROM unnest(key_ids) k) <> n THEN
        RAISE EXCEPTION 'a key signed release % already', release_sign.release USING ERRCODE = 'HL023';
    END IF;
    INSERT INTO hotload.release_signatures (release, key_id, signature)
    SELECT release_sign.release, s.k, decode(s.g, 'hex') FROM unnest(key_ids, signatures) AS s(k, g);

    SELECT * INTO c FROM hotload.channels ch WHERE ch.name = target.channel;
    prefix := format('{"channel":"%s","release":%s,"signed":"', target.channel, target.id);
    IF payload IS NOT NULL AND c.head = target.id AND c.stable = target.id AND octet_length(payload) < 8000
       AND left(payload, length(prefix)) = prefix AND substr(payload, length(prefix) + 1) ~ '^[A-Za-z0-9+/]+={0,2}"}$' THEN
        PERFORM pg_notify('hotload_release', payload);
    ELSE
        PERFORM hotload.notify_release(target.channel, target.id);
    END IF;
END
$$;

REVOKE ALL ON FUNCTION
    hotload.publish(text, bigint, text, text, boolean, text[], text[], integer[], text[], boolean, boolean),
    hotload.key_register(text, text), hotload.release_sign(bigint, text[], text[], text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    hotload.publish(text, bigint, text, text, boolean, text[], text[], integer[], text[], boolean, boolean),
    hotload.key_register(text, text), hotload.release_sign(bigint, text[], text[], text)
    TO hotload_pusher;
