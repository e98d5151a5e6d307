-- Gray release health (issue 10): per-release call metrics from the nodes, the rollout
-- controller's liveness, and gate verdicts. See sql/README.md ("Rollout health").
--   * node_metrics: one row per (node, release) the node served in its last window
--     (calls, errors, p50/p99 in ms). Written only by hotload.node_report_metrics
--     (hotload_node): a row belongs to the login that registered the node, as node_status
--     rows do (0202); values are checked by constraints, releases must be on the node's
--     channel. Each report replaces the node's rows.
--   * controllers: one row per running `hotload controller` process, written only by
--     hotload.controller_heartbeat (hotload_operator); `rollout status` says "no
--     controller" when none is live for the rollout's channel.
--   * hotload.rollout_gate (hotload_operator) records one gate verdict of a progressing
--     rollout's current step as a `gate` event and returns the number of failing
--     verdicts since the rollout's last passing one, so that a new leader continues the
--     count of its predecessor. The abort itself goes through hotload.rollout_abort.

SET LOCAL ROLE hotload_owner;

CREATE TABLE hotload.node_metrics (
    node           text NOT NULL REFERENCES hotload.node_status (name),
    release        bigint NOT NULL REFERENCES hotload.releases (id),
    -- The login that registered the node (session_user of the report).
    db_role        text NOT NULL,
    -- The window the figures cover, in seconds (at most an hour).
    window_seconds double precision NOT NULL CHECK (window_seconds > 0 AND window_seconds <= 3600),
    calls          bigint NOT NULL CHECK (calls >= 0),
    errors         bigint NOT NULL CHECK (errors >= 0 AND errors <= calls),
    -- Latency percentiles in milliseconds: finite (NaN and infinity fail the bound), at
    -- most an hour, p50 <= p99.
    p50_ms         double precision NOT NULL CHECK (p50_ms >= 0 AND p50_ms <= p99_ms),
    p99_ms         double precision NOT NULL CHECK (p99_ms >= 0 AND p99_ms <= 3600000),
    reported_at    timestamptz NOT NULL,
    PRIMARY KEY (node, release)
);
CREATE INDEX node_metrics_release ON hotload.node_metrics (release);

CREATE TABLE hotload.controllers (
    instance         uuid PRIMARY KEY,
    db_role          text NOT NULL,
    -- The channel it steers; NULL: every channel.
    channel          text CHECK (channel ~ '^[a-z][a-z0-9_-]*$' AND length(channel) <= 63),
    host             text NOT NULL CHECK (length(host) <= 255 AND host !~ '[\x01-\x1f\x7f-\x9f]'),
    pid              integer NOT NULL,
    interval_seconds double precision NOT NULL CHECK (interval_seconds >= 0.05 AND interval_seconds <= 3600),
    -- The channels whose leadership (advisory lock) it held at its last heartbeat.
    leads            text[] NOT NULL DEFAULT '{}' CHECK (cardinality(leads) <= 1000),
    started_at       timestamptz NOT NULL,
    heartbeat_at     timestamptz NOT NULL,
    stopped          boolean NOT NULL DEFAULT false
);

GRANT SELECT ON hotload.node_metrics, hotload.controllers
    TO hotload_reader, hotload_node, hotload_pusher, hotload_approver, hotload_operator, hotload_admin;

-- Replaces the calling login's figures of node `name` (registered by `instance`) with
-- one row per release: arrays of equal length, at most 32 releases, each once and on the
-- node's channel. Returns false when another instance holds the name (taken over) or the
-- node is not registered; another login's node is refused with HL002 (owner in DETAIL).
CREATE FUNCTION hotload.node_report_metrics(name text, instance uuid, window_seconds double precision,
                                            releases bigint[], calls bigint[], errors bigint[],
                                            p50_ms double precision[], p99_ms double precision[])
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n integer := coalesce(cardinality(releases), 0);
    owner text;
    holder uuid;
    node_channel text;
    stray bigint;
BEGIN
    IF n > 32 OR coalesce(cardinality(calls), 0) <> n OR coalesce(cardinality(errors), 0) <> n
       OR coalesce(cardinality(p50_ms), 0) <> n OR coalesce(cardinality(p99_ms), 0) <> n
       OR array_position(releases, NULL) IS NOT NULL
       OR (SELECT count(DISTINCT r) FROM unnest(releases) r) <> n THEN
        RAISE EXCEPTION 'node metrics need one entry per release in every array, each release once, at most 32'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT s.db_role, s.instance, s.channel INTO owner, holder, node_channel
    FROM hotload.node_status s WHERE s.name = node_report_metrics.name FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF owner <> session_user THEN
        RAISE EXCEPTION 'node name "%" is registered by database role "%"', node_report_metrics.name, owner
            USING ERRCODE = 'HL002', DETAIL = owner;
    END IF;
    IF holder <> instance THEN
        RETURN false;
    END IF;
    SELECT r INTO stray FROM unnest(releases) r
    WHERE NOT EXISTS (SELECT 1 FROM hotload.releases l WHERE l.id = r AND l.channel = node_channel) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'release % is not a release of channel %', stray, node_channel
            USING ERRCODE = 'invalid_parameter_value', DETAIL = stray::text;
    END IF;
    DELETE FROM hotload.node_metrics m WHERE m.node = node_report_metrics.name AND NOT (m.release = ANY (releases));
    INSERT INTO hotload.node_metrics AS m (node, release, db_role, window_seconds, calls, errors, p50_ms, p99_ms,
                                           reported_at)
    SELECT node_report_metrics.name, u.release, session_user, window_seconds, u.calls, u.errors, u.p50, u.p99, now()
    FROM unnest(releases, calls, errors, p50_ms, p99_ms) AS u(release, calls, errors, p50, p99)
    ON CONFLICT ON CONSTRAINT node_metrics_pkey DO UPDATE
        SET db_role = EXCLUDED.db_role, window_seconds = EXCLUDED.window_seconds, calls = EXCLUDED.calls,
            errors = EXCLUDED.errors, p50_ms = EXCLUDED.p50_ms, p99_ms = EXCLUDED.p99_ms,
            reported_at = EXCLUDED.reported_at;
    RETURN true;
END
$$;

-- Records the liveness of the calling login's controller `instance`: the channel it
-- steers (NULL: all), its interval and the channels it leads (`leads`); `stopped` on a clean exit.
-- An instance id of another login is refused (HL002). Rows silent for a day are removed.
CREATE FUNCTION hotload.controller_heartbeat(instance uuid, channel text, host text, pid integer,
                                             interval_seconds double precision, leads text[], stopped boolean)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    owner text;
BEGIN
    DELETE FROM hotload.controllers c WHERE c.heartbeat_at < now() - interval '1 day';
    INSERT INTO hotload.controllers AS c (instance, db_role, channel, host, pid, interval_seconds, leads,
                                          started_at, heartbeat_at, stopped)
    VALUES (instance, session_user, channel, host, pid, interval_seconds, coalesce(leads, '{}'), now(), now(),
            coalesce(stopped, false))
    ON CONFLICT ON CONSTRAINT controllers_pkey DO NOTHING;
    IF FOUND THEN
        RETURN;
    END IF;
    SELECT c.db_role INTO owner FROM hotload.controllers c WHERE c.instance = controller_heartbeat.instance FOR UPDATE;
    IF owner <> session_user THEN
        RAISE EXCEPTION 'controller % is registered by database role "%"', instance, owner
            USING ERRCODE = 'HL002', DETAIL = owner;
    END IF;
    UPDATE hotload.controllers c
    SET channel = controller_heartbeat.channel, host = controller_heartbeat.host, pid = controller_heartbeat.pid,
        interval_seconds = controller_heartbeat.interval_seconds, leads = coalesce(controller_heartbeat.leads, '{}'),
        heartbeat_at = now(), stopped = coalesce(controller_heartbeat.stopped, false)
    WHERE c.instance = controller_heartbeat.instance;
END
$$;

-- Records a gate verdict ('pass', 'fail' or 'hold': too little traffic to judge) of a
-- progressing rollout at `step` (HL016 when it moved on) as a `gate` event whose detail
-- is `detail` (a JSON object of at most 20,000 characters: gates, figures) plus step and
-- verdict. Returns the failing verdicts since the rollout's last passing one (holds
-- neither count nor reset).
CREATE FUNCTION hotload.rollout_gate(rollout bigint, step integer, verdict text, detail jsonb) RETURNS integer
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
    PERFORM hotload.rollout_require(r, ARRAY['progressing'], 'record a gate verdict');
    IF r.step IS DISTINCT FROM rollout_gate.step THEN
        RAISE EXCEPTION 'rollout % is at step %, not %', r.id, coalesce(r.step, -1), coalesce(rollout_gate.step::text, 'NULL')
            USING ERRCODE = 'HL016', DETAIL = coalesce(r.step, -1)::text;
    END IF;
    PERFORM hotload.rollout_event(r.channel, r.id, 'gate',
        detail || jsonb_build_object('step', rollout_gate.step, 'verdict', verdict));
    SELECT max(e.id) INTO last_pass FROM hotload.rollout_events e
    WHERE e.rollout = r.id AND e.action = 'gate' AND e.detail ->> 'verdict' = 'pass';
    SELECT count(*) INTO streak FROM hotload.rollout_events e
    WHERE e.rollout = r.id AND e.action = 'gate' AND e.detail ->> 'verdict' = 'fail' AND e.id > coalesce(last_pass, 0);
    RETURN streak;
END
$$;

REVOKE ALL ON FUNCTION
    hotload.node_report_metrics(text, uuid, double precision, bigint[], bigint[], bigint[], double precision[],
                                double precision[]),
    hotload.controller_heartbeat(uuid, text, text, integer, double precision, text[], boolean),
    hotload.rollout_gate(bigint, integer, text, jsonb)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    hotload.node_report_metrics(text, uuid, double precision, bigint[], bigint[], bigint[], double precision[],
                                double precision[])
    TO hotload_node;
GRANT EXECUTE ON FUNCTION
    hotload.controller_heartbeat(uuid, text, text, integer, double precision, text[], boolean),
    hotload.rollout_gate(bigint, integer, text, jsonb)
    TO hotload_operator;
