-- Gray release (issue 10): channel policies, rollouts, approvals, pins and their event log.
-- The model and the state machine are described in sql/README.md ("Rollouts"); in short:
--   * channels.head stays the tip of the channel's linear history (what pushes build on,
--     what `log` starts from, what channel_modules caches). channels.stable is what nodes
--     run outside a rollout. Without a policy, publish moves both, so stable = head and
--     every existing reader of head keeps its meaning. With a policy, publish moves head
--     only and creates a rollout whose candidate is the new release.
--   * A rollout's phase moves only along the edges the trigger rollouts_transition
--     allows; terminal phases (promoted, aborted, rejected) never change again.
--   * Every action is an append-only row of rollout_events (actor = session_user, time =
--     now()); approvals are append-only and bound to the rollout's plan hash.
--   * Nobody writes these tables directly: group roles call SECURITY DEFINER functions,
--     each executable by exactly one role: hotload_admin sets policy, hotload_approver
--     approves and rejects, hotload_operator starts, steps, pauses, resumes, promotes,
--     aborts, re-plans and pins, hotload_pusher publishes.
-- Refusals carry SQLSTATEs HL010-HL020 (listed in sql/README.md) with the facts in DETAIL.

-- Roles are cluster-wide: created idempotently as in 0003_roles.sql, before acting as
-- the owner (hotload_owner may not create roles). Upgrading a cluster that lacks them
-- needs CREATEROLE once, which a member of hotload_owner may not have: say so.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['hotload_approver', 'hotload_operator', 'hotload_admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION
                WHEN duplicate_object OR unique_violation THEN
                    NULL;
                WHEN insufficient_privilege THEN
                    RAISE EXCEPTION 'role % may not create the group role %, which this upgrade adds: that needs CREATEROLE once per cluster', current_user, r
                        USING ERRCODE = 'insufficient_privilege',
                              HINT = 'run hotload init once as a superuser or as a role with CREATEROLE';
            END;
        END IF;
    END LOOP;
END
$$;

SET LOCAL ROLE hotload_owner;

-- What nodes run outside a rollout. Existing channels: their head.
-- This comes before the first statement that names the new roles on purpose: when a
-- concurrent init (another database of the cluster) created them just before this one
-- tried, this session's catalog cache may still remember them as missing until it
-- processes catalog invalidations, which PostgreSQL does when it takes a new lock, as
-- ALTER TABLE does here.
ALTER TABLE hotload.channels ADD COLUMN stable bigint;
UPDATE hotload.channels SET stable = head;
ALTER TABLE hotload.channels ADD CONSTRAINT channels_stable_on_own_channel
    FOREIGN KEY (stable, name) REFERENCES hotload.releases (id, channel);

-- The new roles read what readers read; they write only through their functions.
GRANT USAGE ON SCHEMA hotload TO hotload_approver, hotload_operator, hotload_admin;
GRANT SELECT ON hotload.modules, hotload.revisions, hotload.channels, hotload.releases,
    hotload.release_changes, hotload.schema_migrations, hotload.channel_modules, hotload.node_status
    TO hotload_approver, hotload_operator, hotload_admin;

-- Steps: 1 to 20 entries, each a node count K (1..99999) or a percentage P% with
-- 0 < P <= 100 and at most two decimals; counts increase, percentages increase.
CREATE FUNCTION hotload.rollout_steps_valid(steps text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(cardinality(steps), 0) BETWEEN 1 AND 20
       AND array_position(steps, NULL) IS NULL
       AND NOT EXISTS (SELECT 1 FROM unnest(steps) s
                       WHERE CASE WHEN s !~ '^([1-9][0-9]{0,4}|(100|[0-9]{1,2}(\.[0-9]{1,2})?)%)$' THEN true
                                  WHEN s LIKE '%\%' THEN rtrim(s, '%')::numeric NOT BETWEEN 0.01 AND 100
                                  ELSE false END)
       AND NOT EXISTS (
           SELECT 1 FROM (
               SELECT s LIKE '%\%' AS percent, rtrim(s, '%')::numeric AS value,
                      lag(rtrim(s, '%')::numeric) OVER (PARTITION BY s LIKE '%\%' ORDER BY i) AS previous
               FROM unnest(steps) WITH ORDINALITY AS t(s, i)
               WHERE s ~ '^([1-9][0-9]{0,4}|(100|[0-9]{1,2}(\.[0-9]{1,2})?)%)$') x
           WHERE x.value <= x.previous)
$$;

-- Gates: at most 10 CEL expressions of 1 to 1000 characters without control characters
-- (the store compiles them before it sets them; the database cannot).
CREATE FUNCTION hotload.rollout_gates_valid(gates text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(cardinality(gates), 0) <= 10
       AND array_position(gates, NULL) IS NULL
       AND NOT EXISTS (SELECT 1 FROM unnest(gates) g
                       WHERE length(g) NOT BETWEEN 1 AND 1000 OR g ~ '[\x01-\x1f\x7f-\x9f]')
$$;

-- The hash an approval is bound to: release, steps, bake time and gates.
CREATE FUNCTION hotload.rollout_plan_hash(candidate bigint, steps text[], bake_seconds integer, gates text[])
RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT encode(sha256(convert_to(jsonb_build_object(
        'release', candidate, 'steps', to_jsonb(steps), 'bake_seconds', bake_seconds,
        'gates', to_jsonb(gates))::text, 'UTF8')), 'hex')
$$;

-- A channel's rollout policy; only hotload.channel_set_policy writes it.
CREATE TABLE hotload.channel_policies (
    channel            text PRIMARY KEY REFERENCES hotload.channels (name),
    required_approvals integer NOT NULL CHECK (required_approvals BETWEEN 0 AND 10),
    steps              text[] NOT NULL CHECK (hotload.rollout_steps_valid(steps)),
    bake_seconds       integer NOT NULL CHECK (bake_seconds BETWEEN 0 AND 604800),
    gates              text[] NOT NULL DEFAULT '{}' CHECK (hotload.rollout_gates_valid(gates)),
    salt               text CHECK (length(salt) BETWEEN 1 AND 100 AND salt !~ '[\x01-\x1f\x7f-\x9f]'),
    updated_by         text NOT NULL,
    updated_at         timestamptz NOT NULL
);

CREATE TABLE hotload.rollouts (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel            text NOT NULL REFERENCES hotload.channels (name),
    candidate          bigint NOT NULL,
    -- The channel's stable release when the rollout was created (NULL: none yet).
    base               bigint,
    required_approvals integer NOT NULL CHECK (required_approvals BETWEEN 0 AND 10),
    steps              text[] NOT NULL CHECK (hotload.rollout_steps_valid(steps)),
    bake_seconds       integer NOT NULL CHECK (bake_seconds BETWEEN 0 AND 604800),
    gates              text[] NOT NULL DEFAULT '{}' CHECK (hotload.rollout_gates_valid(gates)),
    salt               text NOT NULL CHECK (length(salt) BETWEEN 1 AND 100 AND salt !~ '[\x01-\x1f\x7f-\x9f]'),
    plan_hash          text NOT NULL,
    phase              text NOT NULL
                       CHECK (phase IN ('proposed', 'approved', 'progressing', 'paused', 'promoted', 'aborted', 'rejected')),
    -- Index into steps of the current step; NULL before the first step.
    step               integer CHECK (step >= 0 AND step < cardinality(steps)),
    -- Nodes with bucket < threshold run the candidate; in [0, 2^48].
    threshold          bigint NOT NULL DEFAULT 0 CHECK (threshold BETWEEN 0 AND 281474976710656),
    step_started_at    timestamptz,
    created_by         text NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    ended_at           timestamptz,
    end_reason         text CHECK (end_reason !~ '[\x01-\x08\x0b-\x1f\x7f-\x9f]'),
    FOREIGN KEY (candidate, channel) REFERENCES hotload.releases (id, channel),
    FOREIGN KEY (base, channel) REFERENCES hotload.releases (id, channel),
    CONSTRAINT rollouts_ended_iff_terminal CHECK ((phase IN ('promoted', 'aborted', 'rejected')) = (ended_at IS NOT NULL)),
    CONSTRAINT rollouts_step_only_when_started CHECK (step IS NULL OR phase NOT IN ('proposed', 'approved'))
);
-- At most one active rollout per channel.
CREATE UNIQUE INDEX rollouts_one_active ON hotload.rollouts (channel)
    WHERE phase IN ('proposed', 'approved', 'progressing', 'paused');
CREATE INDEX rollouts_channel_id ON hotload.rollouts (channel, id DESC);

-- Approvals and rejections, append-only, each bound to the plan it judged.
CREATE TABLE hotload.rollout_approvals (
    rollout   bigint NOT NULL REFERENCES hotload.rollouts (id),
    approver  text NOT NULL,
    plan_hash text NOT NULL,
    verdict   text NOT NULL CHECK (verdict IN ('approve', 'reject')),
    message   text NOT NULL DEFAULT '' CHECK (message !~ '[\x01-\x08\x0b-\x1f\x7f-\x9f]'),
    at        timestamptz NOT NULL,
    PRIMARY KEY (rollout, approver, plan_hash, verdict)
);

-- Every rollout action, append-only: who (the login), when, and the facts in detail.
CREATE TABLE hotload.rollout_events (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel text NOT NULL REFERENCES hotload.channels (name),
    rollout bigint REFERENCES hotload.rollouts (id),
    action  text NOT NULL CHECK (action IN ('policy', 'policy_cleared', 'propose', 'replan', 'approve', 'reject',
                                            'approved', 'step', 'pause', 'resume', 'promote', 'abort',
                                            'pin', 'unpin', 'gate')),
    actor   text NOT NULL,
    at      timestamptz NOT NULL,
    detail  jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX rollout_events_rollout ON hotload.rollout_events (rollout, id);
CREATE INDEX rollout_events_channel ON hotload.rollout_events (channel, id DESC);

-- Node pins: a node runs the pinned release (the stable or the candidate of its
-- channel) until expires_at, whatever its bucket.
CREATE TABLE hotload.node_pins (
    node       text PRIMARY KEY CHECK (length(node) BETWEEN 1 AND 200 AND node !~ '[\x01-\x1f\x7f-\x9f]'),
    channel    text NOT NULL REFERENCES hotload.channels (name),
    release    bigint NOT NULL,
    expires_at timestamptz NOT NULL,
    pinned_by  text NOT NULL,
    pinned_at  timestamptz NOT NULL,
    FOREIGN KEY (release, channel) REFERENCES hotload.releases (id, channel)
);

-- Stamps: who and when come from the database, never from the caller.
CREATE FUNCTION hotload.stamp_actor() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    CASE TG_TABLE_NAME
    WHEN 'rollout_events' THEN NEW.actor := session_user; NEW.at := now();
    WHEN 'rollout_approvals' THEN NEW.approver := session_user; NEW.at := now();
    WHEN 'channel_policies' THEN NEW.updated_by := session_user; NEW.updated_at := now();
    WHEN 'node_pins' THEN NEW.pinned_by := session_user; NEW.pinned_at := now();
    END CASE;
    RETURN NEW;
END
$$;
CREATE TRIGGER rollout_events_stamp BEFORE INSERT ON hotload.rollout_events
    FOR EACH ROW EXECUTE FUNCTION hotload.stamp_actor();
CREATE TRIGGER rollout_approvals_stamp BEFORE INSERT ON hotload.rollout_approvals
    FOR EACH ROW EXECUTE FUNCTION hotload.stamp_actor();
CREATE TRIGGER channel_policies_stamp BEFORE INSERT OR UPDATE ON hotload.channel_policies
    FOR EACH ROW EXECUTE FUNCTION hotload.stamp_actor();
CREATE TRIGGER node_pins_stamp BEFORE INSERT OR UPDATE ON hotload.node_pins
    FOR EACH ROW EXECUTE FUNCTION hotload.stamp_actor();

-- History of rollouts is append-only (events, approvals) and rollouts are never deleted.
CREATE TRIGGER rollout_events_append_only BEFORE UPDATE OR DELETE ON hotload.rollout_events
    FOR EACH ROW EXECUTE FUNCTION hotload.refuse_rewrite();
CREATE TRIGGER rollout_events_no_truncate BEFORE TRUNCATE ON hotload.rollout_events
    FOR EACH STATEMENT EXECUTE FUNCTION hotload.refuse_rewrite();
CREATE TRIGGER rollout_approvals_append_only BEFORE UPDATE OR DELETE ON hotload.rollout_approvals
    FOR EACH ROW EXECUTE FUNCTION hotload.refuse_rewrite();
CREATE TRIGGER rollout_approvals_no_truncate BEFORE TRUNCATE ON hotload.rollout_approvals
    FOR EACH STATEMENT EXECUTE FUNCTION hotload.refuse_rewrite();
CREATE TRIGGER rollouts_no_delete BEFORE DELETE ON hotload.rollouts
    FOR EACH ROW EXECUTE FUNCTION hotload.refuse_rewrite();
CREATE TRIGGER rollouts_no_truncate BEFORE TRUNCATE ON hotload.rollouts
    FOR EACH STATEMENT EXECUTE FUNCTION hotload.refuse_rewrite();

-- A new rollout: creator, times and plan hash from the database; the salt defaults to
-- the id in decimal.
CREATE FUNCTION hotload.rollouts_stamp() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    NEW.created_by := session_user;
    NEW.created_at := now();
    NEW.updated_at := now();
    NEW.salt := coalesce(NEW.salt, NEW.id::text);
    NEW.plan_hash := hotload.rollout_plan_hash(NEW.candidate, NEW.steps, NEW.bake_seconds, NEW.gates);
    RETURN NEW;
END
$$;
CREATE TRIGGER rollouts_stamp BEFORE INSERT ON hotload.rollouts
    FOR EACH ROW EXECUTE FUNCTION hotload.rollouts_stamp();

-- The state machine, binding on every writer (the owner included): identity columns never
-- change, terminal rollouts never change, and the phase moves only along these edges:
--   proposed    -> proposed (re-plan), approved, aborted, rejected
--   approved    -> approved, proposed (re-plan voids approvals), progressing, promoted, aborted, rejected
--   progressing -> progressing (next step), paused, promoted, aborted
--   paused      -> progressing (resume), promoted, aborted
CREATE FUNCTION hotload.rollouts_transition() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF OLD.phase IN ('promoted', 'aborted', 'rejected') THEN
        RAISE EXCEPTION 'rollout % is %: a finished rollout never changes', OLD.id, OLD.phase
            USING ERRCODE = 'HL012', DETAIL = OLD.phase;
    END IF;
    IF NEW.id <> OLD.id OR NEW.channel <> OLD.channel OR NEW.candidate <> OLD.candidate
       OR NEW.base IS DISTINCT FROM OLD.base OR NEW.salt <> OLD.salt OR NEW.created_by <> OLD.created_by
       OR NEW.created_at <> OLD.created_at OR NEW.required_approvals <> OLD.required_approvals THEN
        RAISE EXCEPTION 'rollout %: its channel, candidate, base, salt, creator and required approvals never change', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NOT (OLD.phase, NEW.phase) IN (
        ('proposed', 'proposed'), ('proposed', 'approved'), ('proposed', 'aborted'), ('proposed', 'rejected'),
        ('approved', 'approved'), ('approved', 'proposed'), ('approved', 'progressing'), ('approved', 'promoted'),
        ('approved', 'aborted'), ('approved', 'rejected'),
        ('progressing', 'progressing'), ('progressing', 'paused'), ('progressing', 'promoted'), ('progressing', 'aborted'),
        ('paused', 'progressing'), ('paused', 'promoted'), ('paused', 'aborted')) THEN
        RAISE EXCEPTION 'rollout % is %: it cannot become %', OLD.id, OLD.phase, NEW.phase
            USING ERRCODE = 'HL012', DETAIL = OLD.phase;
    END IF;
    IF NEW.threshold < OLD.threshold AND NEW.phase NOT IN ('promoted', 'aborted') THEN
        RAISE EXCEPTION 'rollout %: a step never lowers the threshold (% to %)', OLD.id, OLD.threshold, NEW.threshold
            USING ERRCODE = 'HL020';
    END IF;
    NEW.plan_hash := hotload.rollout_plan_hash(NEW.candidate, NEW.steps, NEW.bake_seconds, NEW.gates);
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER rollouts_transition BEFORE UPDATE ON hotload.rollouts
    FOR EACH ROW EXECUTE FUNCTION hotload.rollouts_transition();

-- Everybody who reads the schema reads the rollout tables.
GRANT SELECT ON hotload.channel_policies, hotload.rollouts, hotload.rollout_approvals, hotload.rollout_events,
    hotload.node_pins
    TO hotload_reader, hotload_node, hotload_pusher, hotload_approver, hotload_operator, hotload_admin;

-- Internal helpers (no grants): run inside the SECURITY DEFINER functions below.

-- Appends an event; actor and time are stamped by the trigger.
CREATE FUNCTION hotload.rollout_event(channel text, rollout bigint, action text, detail jsonb) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO hotload.rollout_events (channel, rollout, action, detail)
    VALUES (channel, rollout, action, coalesce(detail, '{}'::jsonb));
$$;

-- Locks the rollout's channel row, then the rollout row, and returns the row; HL011 if
-- there is no such rollout. Channel first, as publish does, so the two never deadlock.
CREATE FUNCTION hotload.rollout_lock(rollout bigint) RETURNS hotload.rollouts
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    found_channel text;
    r hotload.rollouts;
BEGIN
    SELECT o.channel INTO found_channel FROM hotload.rollouts o WHERE o.id = rollout_lock.rollout;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'rollout % does not exist', coalesce(rollout_lock.rollout::text, 'NULL')
            USING ERRCODE = 'HL011', DETAIL = coalesce(rollout_lock.rollout::text, '');
    END IF;
    PERFORM 1 FROM hotload.channels c WHERE c.name = found_channel FOR UPDATE;
    SELECT * INTO r FROM hotload.rollouts o WHERE o.id = rollout_lock.rollout FOR UPDATE;
    RETURN r;
END
$$;

-- Refuses unless the rollout's phase is one of `allowed`: HL012 with the phase in DETAIL.
CREATE FUNCTION hotload.rollout_require(r hotload.rollouts, allowed text[], action text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT r.phase = ANY (allowed) THEN
        RAISE EXCEPTION 'rollout % is %: cannot %', r.id, r.phase, action
            USING ERRCODE = 'HL012', DETAIL = r.phase,
                  HINT = format('%s is possible when the rollout is %s', action, array_to_string(allowed, ' or '));
    END IF;
END
$$;

-- Refuses steps or gates the tables would refuse, with HL018 and a hint; NULL: not given.
CREATE FUNCTION hotload.rollout_check_plan(steps text[], gates text[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF steps IS NOT NULL AND NOT hotload.rollout_steps_valid(steps) THEN
        RAISE EXCEPTION 'invalid steps %', steps
            USING ERRCODE = 'HL018', DETAIL = 'steps',
                  HINT = '1 to 20 steps, each a node count (1..99999) or a percentage (0.01% to 100%, two decimals at most), counts and percentages each increasing';
    END IF;
    IF gates IS NOT NULL AND NOT hotload.rollout_gates_valid(gates) THEN
        RAISE EXCEPTION 'invalid gates' USING ERRCODE = 'HL018', DETAIL = 'gates',
            HINT = 'at most 10 gates of 1 to 1000 characters without control characters';
    END IF;
END
$$;

-- Ends a rollout (promoted or aborted) and removes the channel's pins that name neither
-- the channel's stable release afterwards, recording an unpin event for each.
CREATE FUNCTION hotload.rollout_finish(r hotload.rollouts, phase text, reason text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    stable_now bigint;
    pin record;
BEGIN
    UPDATE hotload.rollouts o SET phase = rollout_finish.phase, ended_at = now(), end_reason = reason
    WHERE o.id = r.id;
    IF rollout_finish.phase = 'promoted' THEN
        UPDATE hotload.channels c SET stable = r.candidate WHERE c.name = r.channel;
    END IF;
    SELECT c.stable INTO stable_now FROM hotload.channels c WHERE c.name = r.channel;
    FOR pin IN DELETE FROM hotload.node_pins p WHERE p.channel = r.channel AND p.release IS DISTINCT FROM stable_now
               RETURNING p.node, p.release LOOP
        PERFORM hotload.rollout_event(r.channel, r.id, 'unpin',
            jsonb_build_object('node', pin.node, 'release', pin.release, 'reason', 'rollout ' || rollout_finish.phase));
    END LOOP;
    PERFORM hotload.rollout_event(r.channel, r.id, CASE rollout_finish.phase WHEN 'promoted' THEN 'promote' ELSE 'abort' END,
        jsonb_strip_nulls(jsonb_build_object('candidate', r.candidate, 'reason', reason)));
END
$$;

-- Creates a rollout of `candidate` on `channel` from the given plan (NULL parts come from
-- the channel's policy) and records it; refuses while another one is active (HL010).
CREATE FUNCTION hotload.rollout_create(channel text, candidate bigint, steps text[], bake_seconds integer,
                                       gates text[], salt text) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    policy hotload.channel_policies;
    active bigint;
    stable_now bigint;
    required integer;
    new_id bigint;
    new_phase text;
BEGIN
    SELECT o.id INTO active FROM hotload.rollouts o
    WHERE o.channel = rollout_create.channel AND o.phase IN ('proposed', 'approved', 'progressing', 'paused');
    IF FOUND THEN
        RAISE EXCEPTION 'channel % has an active rollout (%)', rollout_create.channel, active
            USING ERRCODE = 'HL010', DETAIL = active::text,
                  HINT = 'finish it (promote or abort) first, or push with supersede';
    END IF;
    SELECT * INTO policy FROM hotload.channel_policies p WHERE p.channel = rollout_create.channel;
    required := coalesce(policy.required_approvals, 0);
    IF coalesce(steps, policy.steps) IS NULL THEN
        RAISE EXCEPTION 'channel % has no policy: the rollout needs its steps', rollout_create.channel
            USING ERRCODE = 'HL018', DETAIL = 'steps';
    END IF;
    SELECT c.stable INTO stable_now FROM hotload.channels c WHERE c.name = rollout_create.channel;
    new_phase := CASE WHEN required > 0 THEN 'proposed' ELSE 'progressing' END;
    INSERT INTO hotload.rollouts (channel, candidate, base, required_approvals, steps, bake_seconds, gates, salt,
                                  plan_hash, phase, created_by, created_at, updated_at)
    VALUES (rollout_create.channel, candidate, stable_now, required, coalesce(steps, policy.steps),
            coalesce(bake_seconds, policy.bake_seconds, 0), coalesce(gates, policy.gates, '{}'),
            coalesce(salt, policy.salt), '', new_phase, '', now(), now())
    RETURNING id INTO new_id;
    PERFORM hotload.rollout_event(rollout_create.channel, new_id, 'propose',
        (SELECT jsonb_build_object('candidate', o.candidate, 'base', o.base, 'phase', o.phase, 'steps', o.steps,
                                   'bake_seconds', o.bake_seconds, 'gates', o.gates, 'salt', o.salt,
                                   'required_approvals', o.required_approvals, 'plan_hash', o.plan_hash)
         FROM hotload.rollouts o WHERE o.id = new_id));
    RETURN new_id;
END
$$;

REVOKE ALL ON FUNCTION hotload.rollout_steps_valid(text[]), hotload.rollout_gates_valid(text[]),
    hotload.rollout_plan_hash(bigint, text[], integer, text[]), hotload.stamp_actor(), hotload.rollouts_stamp(),
    hotload.rollouts_transition(), hotload.rollout_event(text, bigint, text, jsonb), hotload.rollout_lock(bigint),
    hotload.rollout_require(hotload.rollouts, text[], text), hotload.rollout_check_plan(text[], text[]),
    hotload.rollout_finish(hotload.rollouts, text, text),
    hotload.rollout_create(text, bigint, text[], integer, text[], text) FROM PUBLIC;

-- ---------------------------------------------------------------------------------------
-- hotload_admin: channel policy.

-- Sets (or replaces) the rollout policy of `channel`, creating the channel if needed.
-- Applies to rollouts created afterwards; an active rollout keeps its plan.
CREATE FUNCTION hotload.channel_set_policy(channel text, required_approvals integer, steps text[],
                                           bake_seconds integer, gates text[], salt text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM hotload.rollout_check_plan(coalesce(steps, '{}'), coalesce(gates, '{}'));
    INSERT INTO hotload.channels (name) VALUES (channel_set_policy.channel) ON CONFLICT DO NOTHING;
    INSERT INTO hotload.channel_policies AS p (channel, required_approvals, steps, bake_seconds, gates, salt,
                                               updated_by, updated_at)
    VALUES (channel_set_policy.channel, required_approvals, steps, bake_seconds, coalesce(gates, '{}'), salt, '', now())
    ON CONFLICT ON CONSTRAINT channel_policies_pkey DO UPDATE
        SET required_approvals = EXCLUDED.required_approvals, steps = EXCLUDED.steps,
            bake_seconds = EXCLUDED.bake_seconds, gates = EXCLUDED.gates, salt = EXCLUDED.salt;
    PERFORM hotload.rollout_event(channel_set_policy.channel, NULL, 'policy',
        jsonb_build_object('required_approvals', required_approvals, 'steps', steps, 'bake_seconds', bake_seconds,
                           'gates', coalesce(gates, '{}'), 'salt', salt));
END
$$;

-- Removes the policy of `channel`: later pushes reach every node at once again.
CREATE FUNCTION hotload.channel_clear_policy(channel text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM hotload.channel_policies p WHERE p.channel = channel_clear_policy.channel;
    IF FOUND THEN
        PERFORM hotload.rollout_event(channel_clear_policy.channel, NULL, 'policy_cleared', '{}');
    END IF;
END
$$;

-- ---------------------------------------------------------------------------------------
-- hotload_pusher: publish. The 0201 body, unchanged but for the marked parts (rollout
-- rules), with a tenth parameter `supersede` (default false, so nine-argument calls keep
-- working). PostgreSQL cannot add a parameter with CREATE OR REPLACE, so the nine-argument
-- function is dropped and this one takes its place and its grant.

DROP FUNCTION hotload.publish(text, bigint, text, text, boolean, text[], text[], integer[], text[]);

CREATE FUNCTION hotload.publish(channel text, parent bigint, author text, message text, skipped_check boolean,
                                modules text[], actions text[], versions integer[], sources text[],
                                supersede boolean DEFAULT false)
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

    -- Rollouts (new): a push while a rollout is active is refused (HL010) unless it
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

    -- Rollouts (new): without a policy the release is stable at once, as before; with one,
    -- it becomes the candidate of a new rollout and stable stays where it is.
    IF EXISTS (SELECT 1 FROM hotload.channel_policies p WHERE p.channel = publish.channel) THEN
        UPDATE hotload.channels c SET head = new_release WHERE c.name = publish.channel;
        PERFORM hotload.rollout_create(publish.channel, new_release, NULL, NULL, NULL, NULL);
    ELSE
        UPDATE hotload.channels c SET head = new_release, stable = new_release WHERE c.name = publish.channel;
    END IF;
    -- The one wake-up hint of this release; delivered by PostgreSQL at commit. Channel
    -- names are [a-z][a-z0-9_-]* (CHECK), so they need no JSON escaping.
    PERFORM pg_notify('hotload_release', format('{"channel":"%s","release":%s}', publish.channel, new_release));
    RETURN new_release;
END
$$;

-- ---------------------------------------------------------------------------------------
-- hotload_approver: approve and reject.

-- Approves the rollout's current plan. Refused for the login that pushed the candidate or
-- created the rollout (HL013) and for a second approval of the same plan by the same
-- login (HL014). When the distinct approvals of the current plan reach the required
-- number, the rollout is approved.
CREATE FUNCTION hotload.rollout_approve(rollout bigint, message text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hotload.rollouts;
    pusher text;
    approvals integer;
BEGIN
    r := hotload.rollout_lock(rollout);
    PERFORM hotload.rollout_require(r, ARRAY['proposed', 'approved'], 'approve');
    SELECT l.db_role INTO pusher FROM hotload.releases l WHERE l.id = r.candidate;
    IF session_user IN (pusher, r.created_by) THEN
        RAISE EXCEPTION 'role % may not approve rollout %: it % release %', session_user, r.id,
                CASE WHEN session_user = pusher THEN 'pushed its' ELSE 'started the rollout of' END, r.candidate
            USING ERRCODE = 'HL013', DETAIL = session_user::text,
                  HINT = 'another member of hotload_approver must approve it';
    END IF;
    IF EXISTS (SELECT 1 FROM hotload.rollout_approvals a
               WHERE a.rollout = r.id AND a.approver = session_user AND a.plan_hash = r.plan_hash) THEN
        RAISE EXCEPTION 'role % has already approved this plan of rollout %', session_user, r.id
            USING ERRCODE = 'HL014', DETAIL = session_user::text;
    END IF;
    INSERT INTO hotload.rollout_approvals (rollout, approver, plan_hash, verdict, message, at)
    VALUES (r.id, '', r.plan_hash, 'approve', coalesce(message, ''), now());
    PERFORM hotload.rollout_event(r.channel, r.id, 'approve',
        jsonb_build_object('plan_hash', r.plan_hash, 'message', coalesce(message, '')));
    SELECT count(DISTINCT a.approver) INTO approvals FROM hotload.rollout_approvals a
    WHERE a.rollout = r.id AND a.plan_hash = r.plan_hash AND a.verdict = 'approve';
    IF r.phase = 'proposed' AND approvals >= r.required_approvals THEN
        UPDATE hotload.rollouts o SET phase = 'approved' WHERE o.id = r.id;
        PERFORM hotload.rollout_event(r.channel, r.id, 'approved', jsonb_build_object('approvals', approvals));
        RETURN 'approved';
    END IF;
    RETURN r.phase;
END
$$;

-- Rejects the rollout: one rejection ends it (terminal). The message says why.
CREATE FUNCTION hotload.rollout_reject(rollout bigint, message text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hotload.rollouts;
BEGIN
    IF coalesce(btrim(message), '') = '' THEN
        RAISE EXCEPTION 'a rejection needs a message saying why' USING ERRCODE = 'HL018', DETAIL = 'message';
    END IF;
    r := hotload.rollout_lock(rollout);
    PERFORM hotload.rollout_require(r, ARRAY['proposed', 'approved'], 'reject');
    INSERT INTO hotload.rollout_approvals (rollout, approver, plan_hash, verdict, message, at)
    VALUES (r.id, '', r.plan_hash, 'reject', message, now())
    ON CONFLICT ON CONSTRAINT rollout_approvals_pkey DO NOTHING;
    UPDATE hotload.rollouts o SET phase = 'rejected', ended_at = now(), end_reason = message WHERE o.id = r.id;
    PERFORM hotload.rollout_event(r.channel, r.id, 'reject', jsonb_build_object('plan_hash', r.plan_hash, 'message', message));
END
$$;

-- ---------------------------------------------------------------------------------------
-- hotload_operator: start, re-plan, next, pause, resume, promote, abort, pin, unpin.

-- Starts a rollout of an existing release of `channel` (a newer one, or an older one for
-- a staged rollback). NULL plan parts come from the channel's policy. Refused while a
-- rollout is active (HL010) and for a release that is not on the channel or is already
-- its stable release (HL017).
CREATE FUNCTION hotload.rollout_start(channel text, release bigint, steps text[], bake_seconds integer,
                                      gates text[], salt text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    stable_now bigint;
BEGIN
    SELECT c.stable INTO stable_now FROM hotload.channels c WHERE c.name = rollout_start.channel FOR UPDATE;
    IF NOT FOUND OR NOT EXISTS (SELECT 1 FROM hotload.releases l WHERE l.id = release AND l.channel = rollout_start.channel) THEN
        RAISE EXCEPTION 'release % is not a release of channel %', coalesce(release::text, 'NULL'), rollout_start.channel
            USING ERRCODE = 'HL017', DETAIL = coalesce(release::text, '');
    END IF;
    IF release = stable_now THEN
        RAISE EXCEPTION 'release % is already the stable release of channel %', release, rollout_start.channel
            USING ERRCODE = 'HL017', DETAIL = release::text;
    END IF;
    PERFORM hotload.rollout_check_plan(steps, gates);
    RETURN hotload.rollout_create(rollout_start.channel, release, steps, bake_seconds, gates, salt);
END
$$;

-- Changes the plan of a rollout that has not started (proposed or approved). The plan
-- hash changes, so earlier approvals no longer count: the rollout is proposed again
-- unless the approvals of the new plan already suffice.
CREATE FUNCTION hotload.rollout_replan(rollout bigint, steps text[], bake_seconds integer, gates text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hotload.rollouts;
    updated hotload.rollouts;
    approvals integer;
BEGIN
    r := hotload.rollout_lock(rollout);
    PERFORM hotload.rollout_require(r, ARRAY['proposed', 'approved'], 'change the plan');
    PERFORM hotload.rollout_check_plan(steps, gates);
    UPDATE hotload.rollouts o
    SET steps = coalesce(rollout_replan.steps, o.steps), bake_seconds = coalesce(rollout_replan.bake_seconds, o.bake_seconds),
        gates = coalesce(rollout_replan.gates, o.gates)
    WHERE o.id = r.id RETURNING * INTO updated;
    SELECT count(DISTINCT a.approver) INTO approvals FROM hotload.rollout_approvals a
    WHERE a.rollout = r.id AND a.plan_hash = updated.plan_hash AND a.verdict = 'approve';
    UPDATE hotload.rollouts o SET phase = CASE WHEN approvals >= o.required_approvals THEN 'approved' ELSE 'proposed' END
    WHERE o.id = r.id AND o.required_approvals > 0;
    PERFORM hotload.rollout_event(r.channel, r.id, 'replan',
        jsonb_build_object('steps', updated.steps, 'bake_seconds', updated.bake_seconds, 'gates', updated.gates,
                           'plan_hash', updated.plan_hash, 'previous_plan_hash', r.plan_hash,
                           'approvals', approvals));
END
$$;

-- Enters the next step (the first one from approved, or from progressing before its
-- first step). `from_step` is the step the caller saw (-1: none), so two controllers
-- never skip a step (HL016); `threshold` is the new step's bucket threshold, computed
-- by the caller with the published bucket function (RolloutBucket), never lower than
-- the current one (HL020). At the last step: HL015 (promote instead).
CREATE FUNCTION hotload.rollout_next(rollout bigint, from_step integer, threshold bigint) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hotload.rollouts;
    next_step integer;
BEGIN
    r := hotload.rollout_lock(rollout);
    PERFORM hotload.rollout_require(r, ARRAY['approved', 'progressing'], 'enter the next step');
    IF coalesce(r.step, -1) IS DISTINCT FROM from_step THEN
        RAISE EXCEPTION 'rollout % is at step %, not %', r.id, coalesce(r.step, -1), coalesce(from_step::text, 'NULL')
            USING ERRCODE = 'HL016', DETAIL = coalesce(r.step, -1)::text;
    END IF;
    next_step := coalesce(r.step + 1, 0);
    IF next_step >= cardinality(r.steps) THEN
        RAISE EXCEPTION 'rollout % is at its last step', r.id
            USING ERRCODE = 'HL015', DETAIL = r.step::text, HINT = 'promote it';
    END IF;
    IF threshold IS NULL OR threshold < r.threshold OR threshold > 281474976710656 THEN
        RAISE EXCEPTION 'threshold % is outside [%, 2^48]', coalesce(threshold::text, 'NULL'), r.threshold
            USING ERRCODE = 'HL020', DETAIL = r.threshold::text;
    END IF;
    UPDATE hotload.rollouts o
    SET phase = 'progressing', step = next_step, threshold = rollout_next.threshold, step_started_at = now()
    WHERE o.id = r.id;
    PERFORM hotload.rollout_event(r.channel, r.id, 'step',
        jsonb_build_object('step', next_step, 'spec', r.steps[next_step + 1], 'threshold', threshold));
    RETURN next_step;
END
$$;

-- Pauses a progressing rollout: nodes keep what they run, no step is entered.
CREATE FUNCTION hotload.rollout_pause(rollout bigint, reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hotload.rollouts;
BEGIN
    r := hotload.rollout_lock(rollout);
    PERFORM hotload.rollout_require(r, ARRAY['progressing'], 'pause');
    UPDATE hotload.rollouts o SET phase = 'paused' WHERE o.id = r.id;
    PERFORM hotload.rollout_event(r.channel, r.id, 'pause', jsonb_strip_nulls(jsonb_build_object('reason', reason)));
END
$$;

-- Resumes a paused rollout at the step it was paused at (its bake time starts again).
CREATE FUNCTION hotload.rollout_resume(rollout bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hotload.rollouts;
BEGIN
    r := hotload.rollout_lock(rollout);
    PERFORM hotload.rollout_require(r, ARRAY['paused'], 'resume');
    UPDATE hotload.rollouts o SET phase = 'progressing', step_started_at = CASE WHEN o.step IS NULL THEN NULL ELSE now() END
    WHERE o.id = r.id;
    PERFORM hotload.rollout_event(r.channel, r.id, 'resume', '{}');
END
$$;

-- Promotes: the candidate becomes the channel's stable release (on every node). Only
-- after approval: from approved, progressing or paused, never from proposed.
CREATE FUNCTION hotload.rollout_promote(rollout bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hotload.rollouts;
BEGIN
    r := hotload.rollout_lock(rollout);
    PERFORM hotload.rollout_require(r, ARRAY['approved', 'progressing', 'paused'], 'promote');
    PERFORM hotload.rollout_finish(r, 'promoted', NULL);
END
$$;

-- Aborts: every node back on stable; terminal, never retried. The reason is required.
CREATE FUNCTION hotload.rollout_abort(rollout bigint, reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hotload.rollouts;
BEGIN
    IF coalesce(btrim(reason), '') = '' THEN
        RAISE EXCEPTION 'an abort needs a reason' USING ERRCODE = 'HL018', DETAIL = 'reason';
    END IF;
    r := hotload.rollout_lock(rollout);
    PERFORM hotload.rollout_require(r, ARRAY['proposed', 'approved', 'progressing', 'paused'], 'abort');
    PERFORM hotload.rollout_finish(r, 'aborted', reason);
END
$$;

-- Pins a registered node to `release`, which must be its channel's stable release or the
-- candidate of the channel's active rollout (HL019), for `ttl_seconds` (1 s to 30 days).
CREATE FUNCTION hotload.node_pin(node text, release bigint, ttl_seconds integer) RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    node_channel text;
    active hotload.rollouts;
    until timestamptz;
BEGIN
    IF ttl_seconds IS NULL OR ttl_seconds NOT BETWEEN 1 AND 2592000 THEN
        RAISE EXCEPTION 'a pin lasts 1 second to 30 days, not % seconds', coalesce(ttl_seconds::text, 'NULL')
            USING ERRCODE = 'HL018', DETAIL = 'ttl';
    END IF;
    SELECT s.channel INTO node_channel FROM hotload.node_status s WHERE s.name = node_pin.node;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'node % is not registered', node_pin.node USING ERRCODE = 'HL019', DETAIL = 'node';
    END IF;
    PERFORM 1 FROM hotload.channels c WHERE c.name = node_channel FOR UPDATE;
    SELECT * INTO active FROM hotload.rollouts o
    WHERE o.channel = node_channel AND o.phase IN ('proposed', 'approved', 'progressing', 'paused');
    IF release IS DISTINCT FROM (SELECT c.stable FROM hotload.channels c WHERE c.name = node_channel)
       AND (active.id IS NULL OR release IS DISTINCT FROM active.candidate OR active.phase IN ('proposed')) THEN
        RAISE EXCEPTION 'release % is neither the stable release of channel % nor the candidate of its approved rollout',
                coalesce(release::text, 'NULL'), node_channel
            USING ERRCODE = 'HL019', DETAIL = 'release';
    END IF;
    until := now() + make_interval(secs => ttl_seconds);
    INSERT INTO hotload.node_pins AS p (node, channel, release, expires_at, pinned_by, pinned_at)
    VALUES (node_pin.node, node_channel, release, until, '', now())
    ON CONFLICT ON CONSTRAINT node_pins_pkey DO UPDATE
        SET channel = EXCLUDED.channel, release = EXCLUDED.release, expires_at = EXCLUDED.expires_at;
    PERFORM hotload.rollout_event(node_channel, active.id, 'pin',
        jsonb_build_object('node', node, 'release', release, 'expires_at', until));
    RETURN until;
END
$$;

-- Removes a node's pin; false when it had none.
CREATE FUNCTION hotload.node_unpin(node text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    pin hotload.node_pins;
BEGIN
    DELETE FROM hotload.node_pins p WHERE p.node = node_unpin.node RETURNING * INTO pin;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM hotload.rollout_event(pin.channel,
        (SELECT o.id FROM hotload.rollouts o
         WHERE o.channel = pin.channel AND o.phase IN ('proposed', 'approved', 'progressing', 'paused')),
        'unpin', jsonb_build_object('node', pin.node, 'release', pin.release));
    RETURN true;
END
$$;

-- Each function is executable by exactly one group role.
REVOKE ALL ON FUNCTION
    hotload.channel_set_policy(text, integer, text[], integer, text[], text), hotload.channel_clear_policy(text),
    hotload.publish(text, bigint, text, text, boolean, text[], text[], integer[], text[], boolean),
    hotload.rollout_approve(bigint, text), hotload.rollout_reject(bigint, text),
    hotload.rollout_start(text, bigint, text[], integer, text[], text),
    hotload.rollout_replan(bigint, text[], integer, text[]), hotload.rollout_next(bigint, integer, bigint),
    hotload.rollout_pause(bigint, text), hotload.rollout_resume(bigint), hotload.rollout_promote(bigint),
    hotload.rollout_abort(bigint, text), hotload.node_pin(text, bigint, integer), hotload.node_unpin(text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hotload.channel_set_policy(text, integer, text[], integer, text[], text),
    hotload.channel_clear_policy(text) TO hotload_admin;
GRANT EXECUTE ON FUNCTION hotload.publish(text, bigint, text, text, boolean, text[], text[], integer[], text[], boolean)
    TO hotload_pusher;
GRANT EXECUTE ON FUNCTION hotload.rollout_approve(bigint, text), hotload.rollout_reject(bigint, text)
    TO hotload_approver;
GRANT EXECUTE ON FUNCTION hotload.rollout_start(text, bigint, text[], integer, text[], text),
    hotload.rollout_replan(bigint, text[], integer, text[]), hotload.rollout_next(bigint, integer, bigint),
    hotload.rollout_pause(bigint, text), hotload.rollout_resume(bigint), hotload.rollout_promote(bigint),
    hotload.rollout_abort(bigint, text), hotload.node_pin(text, bigint, integer), hotload.node_unpin(text)
    TO hotload_operator;
