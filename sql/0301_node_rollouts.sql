-- Nodes honour rollouts (issue 10): each node computes which release it runs, nodes are
-- woken when that may have changed, and they report whether they run the stable release,
-- the candidate or a pinned one.
--   * hotload.rollout_bucket(salt, node) is the published bucket contract (RolloutBucket in
--     Swift; both are tested against docs/rollout-vectors.json). The node's single
--     prepared read (NodeSession.targetStatement in HotloadStore) calls it to decide
--     between the stable release and the candidate.
--   * hotload.notify_release(channel, release) sends the release wake-up in the one
--     payload format (ReleaseNotification in Swift). Triggers call it whenever what some
--     node should run may change: a rollout's threshold changes (a step), a rollout is
--     promoted, a rollout that had selected nodes is aborted (also by a superseding push),
--     a pin is set, changed or removed. Pausing and resuming change nothing and send
--     nothing. The triggers bind every writer, the owner included.
--   * node_status.applied_role: 'stable', 'candidate' or 'pinned' for the release the
--     node runs; written only by node_register / node_heartbeat, which gain a last
--     parameter applied_role (default NULL: earlier callers keep working).

SET LOCAL ROLE hotload_owner;

-- The bucket of `node` under `salt`: the first 6 bytes, big-endian, of
-- SHA-256("hotload-rollout" 0x00 salt 0x00 node) over UTF-8, an integer in [0, 2^48).
CREATE FUNCTION hotload.rollout_bucket(salt text, node text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ('x' || encode(substr(sha256(convert_to('hotload-rollout', 'UTF8') || '\x00'::bytea
                                        || convert_to(salt, 'UTF8') || '\x00'::bytea
                                        || convert_to(node, 'UTF8')), 1, 6), 'hex'))::bit(48)::bigint
$$;

-- The release wake-up; delivered by PostgreSQL at commit (identical ones of a transaction
-- are delivered once). `release` is the release the change is about: a push's new head,
-- a rollout's candidate, a pin's release.
CREATE FUNCTION hotload.notify_release(channel text, release bigint) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_notify('hotload_release', format('{"channel":"%s","release":%s}', channel, release));
$$;

-- Wakes the channel's nodes when a rollout change may move some of them: a new threshold,
-- a promote (stable := candidate), an abort of a rollout whose threshold selected nodes.
-- Pins that promote and abort drop wake them through node_pins_notify.
CREATE FUNCTION hotload.rollouts_notify() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.threshold IS DISTINCT FROM OLD.threshold OR NEW.phase = 'promoted'
       OR (NEW.phase = 'aborted' AND OLD.threshold > 0) THEN
        PERFORM hotload.notify_release(NEW.channel, NEW.candidate);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER rollouts_notify AFTER UPDATE ON hotload.rollouts
    FOR EACH ROW EXECUTE FUNCTION hotload.rollouts_notify();

-- Wakes the channel's nodes when a pin is set, changed (release or expiry) or removed.
CREATE FUNCTION hotload.node_pins_notify() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM hotload.notify_release(OLD.channel, OLD.release);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM hotload.notify_release(NEW.channel, NEW.release);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER node_pins_notify AFTER INSERT OR UPDATE OR DELETE ON hotload.node_pins
    FOR EACH ROW EXECUTE FUNCTION hotload.node_pins_notify();

-- What the release a node runs is to its channel, as the node last read it.
ALTER TABLE hotload.node_status ADD COLUMN applied_role text
    CHECK (applied_role IN ('stable', 'candidate', 'pinned'));

-- node_register and node_heartbeat as in 0202, with a last parameter applied_role.
-- PostgreSQL cannot add a parameter with CREATE OR REPLACE, so the old ones are dropped.
DROP FUNCTION hotload.node_register(text, uuid, text, integer, text, bigint, boolean, bigint, text, integer, integer,
                                    text, boolean, double precision);
DROP FUNCTION hotload.node_heartbeat(text, uuid, bigint, boolean, bigint, text, integer, integer, text, boolean);

CREATE FUNCTION hotload.node_register(name text, instance uuid, host text, pid integer, channel text,
                                      applied_release bigint, stale boolean, error_release bigint,
                                      error_module text, error_line integer, error_column integer,
                                      error_message text, take_live boolean, live_seconds double precision,
                                      applied_role text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    owner text;
BEGIN
    INSERT INTO hotload.node_status AS s (name, db_role, instance, host, pid, channel, applied_release, stale,
        error_release, error_module, error_line, error_column, error_message, started_at, heartbeat_at, stopped,
        applied_role)
    VALUES (node_register.name, session_user, node_register.instance, node_register.host, node_register.pid,
        node_register.channel, node_register.applied_release, node_register.stale, node_register.error_release,
        node_register.error_module, node_register.error_line, node_register.error_column,
        node_register.error_message, now(), now(), false, node_register.applied_role)
    ON CONFLICT ON CONSTRAINT node_status_pkey DO NOTHING;
    IF FOUND THEN
        RETURN true;
    END IF;

    SELECT s.db_role INTO owner FROM hotload.node_status s WHERE s.name = node_register.name FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF owner <> session_user THEN
        RAISE EXCEPTION 'node name "%" is registered by database role "%"', node_register.name, owner
            USING ERRCODE = 'HL002', DETAIL = owner,
                  HINT = 'give this node another name, or run it as that role';
    END IF;
    UPDATE hotload.node_status s
    SET instance = node_register.instance, host = node_register.host, pid = node_register.pid,
        channel = node_register.channel, applied_release = node_register.applied_release,
        stale = node_register.stale, error_release = node_register.error_release,
        error_module = node_register.error_module, error_line = node_register.error_line,
        error_column = node_register.error_column, error_message = node_register.error_message,
        started_at = now(), heartbeat_at = now(), stopped = false, applied_role = node_register.applied_role
    WHERE s.name = node_register.name
      AND (take_live OR s.stopped OR s.heartbeat_at < now() - make_interval(secs => live_seconds));
    RETURN FOUND;
END
$$;

CREATE FUNCTION hotload.node_heartbeat(name text, instance uuid, applied_release bigint, stale boolean,
                                       error_release bigint, error_module text, error_line integer,
                                       error_column integer, error_message text, stopped boolean,
                                       applied_role text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE hotload.node_status s
    SET applied_release = node_heartbeat.applied_release, stale = node_heartbeat.stale,
        error_release = node_heartbeat.error_release, error_module = node_heartbeat.error_module,
        error_line = node_heartbeat.error_line, error_column = node_heartbeat.error_column,
        error_message = node_heartbeat.error_message, heartbeat_at = now(), stopped = node_heartbeat.stopped,
        applied_role = node_heartbeat.applied_role
    WHERE s.name = node_heartbeat.name AND s.instance = node_heartbeat.instance AND s.db_role = session_user;
    RETURN FOUND;
END
$$;

REVOKE ALL ON FUNCTION hotload.rollout_bucket(text, text), hotload.notify_release(text, bigint),
    hotload.rollouts_notify(), hotload.node_pins_notify(),
    hotload.node_register(text, uuid, text, integer, text, bigint, boolean, bigint, text, integer, integer, text,
                          boolean, double precision, text),
    hotload.node_heartbeat(text, uuid, bigint, boolean, bigint, text, integer, integer, text, boolean, text)
    FROM PUBLIC;
-- The node's read computes its bucket (it runs as the node's login).
GRANT EXECUTE ON FUNCTION hotload.rollout_bucket(text, text) TO hotload_node;
GRANT EXECUTE ON FUNCTION
    hotload.node_register(text, uuid, text, integer, text, bigint, boolean, bigint, text, integer, integer, text,
                          boolean, double precision, text),
    hotload.node_heartbeat(text, uuid, bigint, boolean, bigint, text, integer, integer, text, boolean, text)
    TO hotload_node;
