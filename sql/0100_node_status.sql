-- Node status: every running node registers here and heartbeats its applied release and
-- last error. `hotload status` reads it. Nodes may write only their own rows: a row
-- belongs to the database role that created it (row-level security), and a running node
-- updates its row only with the instance id it registered with, so a second process
-- started under the same name takes the row over instead of both writing it.

CREATE TABLE hotload.node_status (
    name            text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
    db_role         text NOT NULL DEFAULT current_user,
    instance        uuid NOT NULL,
    host            text NOT NULL,
    pid             integer NOT NULL,
    channel         text NOT NULL,
    applied_release bigint,
    stale           boolean NOT NULL DEFAULT false,
    error_release   bigint,
    error_module    text,
    error_line      integer,
    error_column    integer,
    error_message   text,
    started_at      timestamptz NOT NULL DEFAULT now(),
    heartbeat_at    timestamptz NOT NULL DEFAULT now(),
    stopped         boolean NOT NULL DEFAULT false
);

ALTER TABLE hotload.node_status ENABLE ROW LEVEL SECURITY;

-- Everybody with access to the schema may read every node's status.
CREATE POLICY node_status_read ON hotload.node_status FOR SELECT USING (true);
-- A role inserts and updates only rows stamped with its own name.
CREATE POLICY node_status_insert ON hotload.node_status FOR INSERT
    WITH CHECK (db_role = current_user);
CREATE POLICY node_status_update ON hotload.node_status FOR UPDATE
    USING (db_role = current_user) WITH CHECK (db_role = current_user);

GRANT SELECT ON hotload.node_status TO hotload_reader, hotload_node, hotload_pusher;
-- Nodes write their status and nothing else (no DELETE: history of nodes stays visible).
GRANT INSERT, UPDATE ON hotload.node_status TO hotload_node;
