-- Node status writes go through two SECURITY DEFINER functions (owned by hotload_owner,
-- fixed search_path, EXECUTE only for hotload_node); nodes lose direct INSERT/UPDATE.
--   * A row belongs to the login role that registered it (session_user, stamped in
--     db_role). A name registered by another role is refused with SQLSTATE HL002, the
--     owner's role name in DETAIL, so the node can say whose name it is.
--   * A node updates only its own row, and only with the instance id it registered with.
--   * Names, hosts, channels and error texts contain no control characters (CHECK): what
--     `hotload status` prints cannot carry terminal escapes. Rows written before this
--     file are cleaned up below (texts rewritten, rows with unprintable names removed:
--     no Hotload node can have such a name).
-- The row-level security policies of 0100 stay as a second line for direct writers.

SET LOCAL ROLE hotload_owner;

DELETE FROM hotload.node_status WHERE name ~ '[\x01-\x1f\x7f-\x9f]';
UPDATE hotload.node_status
SET host = regexp_replace(host, '[\x01-\x1f\x7f-\x9f]', '?', 'g'),
    channel = regexp_replace(channel, '[\x01-\x1f\x7f-\x9f]', '?', 'g'),
    error_module = regexp_replace(error_module, '[\x01-\x1f\x7f-\x9f]', '?', 'g'),
    error_message = regexp_replace(error_message, '[\x01-\x1f\x7f-\x9f]', '?', 'g')
WHERE concat(host, channel, error_module, error_message) ~ '[\x01-\x1f\x7f-\x9f]';

ALTER TABLE hotload.node_status
    ADD CONSTRAINT node_status_printable CHECK (
        concat(name, host, channel, error_module, error_message) !~ '[\x01-\x1f\x7f-\x9f]');

REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON hotload.node_status FROM hotload_node;

-- Registers the calling role's node `name`, or takes its row over (new instance, start
-- time reset) when `take_live` is set, the row's node stopped, or its heartbeat is older
-- than `live_seconds`. Returns false when the row was left to another live instance.
CREATE FUNCTION hotload.node_register(name text, instance uuid, host text, pid integer, channel text,
                                      applied_release bigint, stale boolean, error_release bigint,
                                      error_module text, error_line integer, error_column integer,
                                      error_message text, take_live boolean, live_seconds double precision)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    owner text;
BEGIN
    INSERT INTO hotload.node_status AS s (name, db_role, instance, host, pid, channel, applied_release, stale,
        error_release, error_module, error_line, error_column, error_message, started_at, heartbeat_at, stopped)
    VALUES (node_register.name, session_user, node_register.instance, node_register.host, node_register.pid,
        node_register.channel, node_register.applied_release, node_register.stale, node_register.error_release,
        node_register.error_module, node_register.error_line, node_register.error_column,
        node_register.error_message, now(), now(), false)
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
        started_at = now(), heartbeat_at = now(), stopped = false
    WHERE s.name = node_register.name
      AND (take_live OR s.stopped OR s.heartbeat_at < now() - make_interval(secs => live_seconds));
    RETURN FOUND;
END
$$;

-- Refreshes the calling role's row of node `name`, if `instance` still holds it.
CREATE FUNCTION hotload.node_heartbeat(name text, instance uuid, applied_release bigint, stale boolean,
                                       error_release bigint, error_module text, error_line integer,
                                       error_column integer, error_message text, stopped boolean)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE hotload.node_status s
    SET applied_release = node_heartbeat.applied_release, stale = node_heartbeat.stale,
        error_release = node_heartbeat.error_release, error_module = node_heartbeat.error_module,
        error_line = node_heartbeat.error_line, error_column = node_heartbeat.error_column,
        error_message = node_heartbeat.error_message, heartbeat_at = now(), stopped = node_heartbeat.stopped
    WHERE s.name = node_heartbeat.name AND s.instance = node_heartbeat.instance AND s.db_role = session_user;
    RETURN FOUND;
END
$$;

REVOKE ALL ON FUNCTION
    hotload.node_register(text, uuid, text, integer, text, bigint, boolean, bigint, text, integer, integer, text, boolean, double precision),
    hotload.node_heartbeat(text, uuid, bigint, boolean, bigint, text, integer, integer, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    hotload.node_register(text, uuid, text, integer, text, bigint, boolean, bigint, text, integer, integer, text, boolean, double precision),
    hotload.node_heartbeat(text, uuid, bigint, boolean, bigint, text, integer, integer, text, boolean) TO hotload_node;
