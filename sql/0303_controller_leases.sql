-- Controller leadership as a privilege (issue 10). Until 0302 a controller led a channel
-- by holding a session-level advisory lock; any login that can connect can take that lock
-- and hold it, so no controller would ever lead. Now leadership is a lease per channel in
-- hotload.controller_leases, written only by the SECURITY DEFINER functions below, which
-- only hotload_operator may execute. See sql/README.md ("Controller leadership").
--   * hotload.controller_lead(instance, channel, lease_seconds) grants or renews the lease
--     atomically (INSERT ... ON CONFLICT DO UPDATE ... WHERE): to the instance that holds
--     it (renewal), or to any instance when the lease expired or the holder's database
--     session is gone (a killed controller is replaced at the next tick of a standby; a
--     hung one when its lease runs out). Returns the seconds left, NULL when another
--     instance leads.
--   * hotload.controller_release(instance, channel) ends the instance's leases (a clean
--     stop hands over at once).
--   * The controller's state-changing actions take the instance and are refused (HL021)
--     unless it holds an unexpired lease of the rollout's channel, held (FOR SHARE) until
--     the action commits, so a lease cannot change hands in between:
--     hotload.rollout_gate (replacing 0302's, which took no instance),
--     hotload.controller_next and hotload.controller_abort. An operator's manual
--     rollout_next and rollout_abort stay as they are (see sql/README.md).

SET LOCAL ROLE hotload_owner;

CREATE TABLE hotload.controller_leases (
    channel     text PRIMARY KEY CHECK (channel ~ '^[a-z][a-z0-9_-]*$' AND length(channel) <= 63),
    -- The controller process (hotload.controllers.instance) that leads the channel.
    instance    uuid NOT NULL,
    -- The login that took the lease; only that login renews or releases it.
    db_role     text NOT NULL,
    -- The holder's backend when it last took or renewed the lease: when that session is
    -- gone, the lease may be taken over before it expires.
    backend_pid integer NOT NULL,
    acquired_at timestamptz NOT NULL,
    renewed_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL CHECK (expires_at >= renewed_at)
);

GRANT SELECT ON hotload.controller_leases
    TO hotload_reader, hotload_node, hotload_pusher, hotload_approver, hotload_operator, hotload_admin;

-- Grants or renews the lease of `channel` to the calling login's controller `instance` for
-- `lease_seconds` (0.1 to 10800): renewal when it holds the lease; takeover when the
-- lease expired or its holder's session is gone; nothing while another instance holds an
-- unexpired lease from a live session. One statement: concurrent callers serialise on
-- the lease row, and at most one gets it. Returns the seconds the lease has left (NULL:
-- another instance leads). The instance's lease taken by another login: HL002.
CREATE FUNCTION hotload.controller_lead(instance uuid, channel text, lease_seconds double precision)
RETURNS double precision
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    at timestamptz := clock_timestamp();
    holder text;
    expiry timestamptz;
BEGIN
    IF instance IS NULL OR channel IS NULL OR lease_seconds IS NULL OR NOT (lease_seconds BETWEEN 0.1 AND 10800) THEN
        RAISE EXCEPTION 'a lease needs an instance, a channel and 0.1 to 10800 seconds'
            USING ERRCODE = 'HL018', DETAIL = 'lease';
    END IF;
    SELECT l.db_role INTO holder FROM hotload.controller_leases l
    WHERE l.channel = controller_lead.channel AND l.instance = controller_lead.instance;
    IF FOUND AND holder <> session_user THEN
        RAISE EXCEPTION 'controller % is registered by database role "%"', instance, holder
            USING ERRCODE = 'HL002', DETAIL = holder;
    END IF;
    INSERT INTO hotload.controller_leases AS l (channel, instance, db_role, backend_pid, acquired_at, renewed_at,
                                                expires_at)
    VALUES (channel, instance, session_user, pg_backend_pid(), at, at, at + make_interval(secs => lease_seconds))
    ON CONFLICT ON CONSTRAINT controller_leases_pkey DO UPDATE
        SET instance = EXCLUDED.instance, db_role = EXCLUDED.db_role, backend_pid = EXCLUDED.backend_pid,
            acquired_at = CASE WHEN l.instance = EXCLUDED.instance THEN l.acquired_at ELSE EXCLUDED.acquired_at END,
            renewed_at = EXCLUDED.renewed_at, expires_at = EXCLUDED.expires_at
        WHERE (l.instance = EXCLUDED.instance AND l.db_role = EXCLUDED.db_role)
           OR l.expires_at <= EXCLUDED.renewed_at
           OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = l.backend_pid)
    RETURNING l.expires_at INTO expiry;
    IF expiry IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN extract(epoch FROM expiry - at);
END
$$;

-- Ends the calling login's leases of controller `instance` (of `channel`; NULL: all), so
-- that a standby takes over at its next tick. Returns how many ended. Another login's
-- instance: HL002.
CREATE FUNCTION hotload.controller_release(instance uuid, channel text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    holder text;
    released integer;
BEGIN
    SELECT l.db_role INTO holder FROM hotload.controller_leases l
    WHERE l.instance = controller_release.instance AND l.db_role <> session_user LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'controller % is registered by database role "%"', instance, holder
            USING ERRCODE = 'HL002', DETAIL = holder;
    END IF;
    DELETE FROM hotload.controller_leases l
    WHERE l.instance = controller_release.instance
      AND (controller_release.channel IS NULL OR l.channel = controller_release.channel);
    GET DIAGNOSTICS released = ROW_COUNT;
    RETURN released;
END
$$;

-- Internal (no grants): refuses with HL021 unless the calling login's `instance` holds an
-- unexpired lease of `channel`; locks the lease row until the caller's transaction ends,
-- so the lease cannot be taken over before the action commits. Callers lock the channel
-- row first; controller_lead locks only the lease row, so the two never deadlock.
-- DETAIL: the leading instance, or '' when none leads.
CREATE FUNCTION hotload.controller_require_lease(instance uuid, channel text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    l hotload.controller_leases;
BEGIN
    SELECT * INTO l FROM hotload.controller_leases c WHERE c.channel = controller_require_lease.channel FOR SHARE;
    IF NOT FOUND OR l.instance IS DISTINCT FROM controller_require_lease.instance OR l.db_role <> session_user
       OR l.expires_at <= clock_timestamp() THEN
        RAISE EXCEPTION 'controller % does not lead channel %', coalesce(instance::text, 'NULL'), channel
            USING ERRCODE = 'HL021',
                  DETAIL = CASE WHEN FOUND AND l.expires_at > clock_timestamp() THEN l.instance::text ELSE '' END,
                  HINT = 'only the controller holding the channel''s unexpired lease acts on its rollouts';
    END IF;
END
$$;

-- 0302's rollout_gate took no instance: any operator session could record verdicts.
DROP FUNCTION hotload.rollout_gate(bigint, integer, text, jsonb);

-- Records a gate verdict ('pass', 'fail' or 'hold': too little traffic to judge) of a
-- progressing rollout at `step` (HL016 when it moved on) by the leading `controller`
-- (HL021 otherwise) as a `gate` event whose detail is `detail` (a JSON object of at most
-- 20,000 characters: gates, figures) plus step, verdict and controller. Returns the
-- failing verdicts since the rollout's last passing one (holds neither count nor reset).
CREATE FUNCTION hotload.rollout_gate(controller uuid, rollout bigint, step integer, verdict text, detail jsonb)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hotload.rollouts;
    last_pass bigint;
    streak integer;
BEGIN
    IF verdict IS NULL OR verdict NOT IN ('pass', 'fail', 'hold') THEN
        RAISE EXCEPTION 'a gate verdict is pass, fail or hold, not %', coalesce(verdict, 'NULL')
            USING ERRCODE = 'HL018', DETAIL = 'verdict';
    END IF;
    IF detail IS NULL OR jsonb_typeof(detail) <> 'object' OR length(detail::text) > 20000 THEN
        RAISE EXCEPTION 'a gate verdict''s detail is a JSON object of at most 20000 characters'
            USING ERRCODE = 'HL018', DETAIL = 'detail';
    END IF;
    r := hotload.rollout_lock(rollout);
    PERFORM hotload.controller_require_lease(controller, r.channel);
    PERFORM hotload.rollout_require(r, ARRAY['progressing'], 'record a gate verdict');
    IF r.step IS DISTINCT FROM rollout_gate.step THEN
        RAISE EXCEPTION 'rollout % is at step %, not %', r.id, coalesce(r.step, -1), coalesce(rollout_gate.step::text, 'NULL')
            USING ERRCODE = 'HL016', DETAIL = coalesce(r.step, -1)::text;
    END IF;
    PERFORM hotload.rollout_event(r.channel, r.id, 'gate',
        detail || jsonb_build_object('step', rollout_gate.step, 'verdict', verdict, 'controller', controller));
    SELECT max(e.id) INTO last_pass FROM hotload.rollout_events e
    WHERE e.rollout = r.id AND e.action = 'gate' AND e.detail ->> 'verdict' = 'pass';
    SELECT count(*) INTO streak FROM hotload.rollout_events e
    WHERE e.rollout = r.id AND e.action = 'gate' AND e.detail ->> 'verdict' = 'fail' AND e.id > coalesce(last_pass, 0);
    RETURN streak;
END
$$;

-- rollout_next by the leading `controller` (HL021 otherwise). The rollout's channel row is
-- locked first (rollout_lock), as every rollout action does, then the lease row.
CREATE FUNCTION hotload.controller_next(controller uuid, rollout bigint, from_step integer, threshold bigint)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM hotload.controller_require_lease(controller, (hotload.rollout_lock(rollout)).channel);
    RETURN hotload.rollout_next(rollout, from_step, threshold);
END
$$;

-- rollout_abort by the leading `controller` (HL021 otherwise).
CREATE FUNCTION hotload.controller_abort(controller uuid, rollout bigint, reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM hotload.controller_require_lease(controller, (hotload.rollout_lock(rollout)).channel);
    PERFORM hotload.rollout_abort(rollout, reason);
END
$$;

REVOKE ALL ON FUNCTION
    hotload.controller_lead(uuid, text, double precision),
    hotload.controller_release(uuid, text),
    hotload.controller_require_lease(uuid, text),
    hotload.rollout_gate(uuid, bigint, integer, text, jsonb),
    hotload.controller_next(uuid, bigint, integer, bigint),
    hotload.controller_abort(uuid, bigint, text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    hotload.controller_lead(uuid, text, double precision),
    hotload.controller_release(uuid, text),
    hotload.rollout_gate(uuid, bigint, integer, text, jsonb),
    hotload.controller_next(uuid, bigint, integer, bigint),
    hotload.controller_abort(uuid, bigint, text)
    TO hotload_operator;
