-- Hotload schema: modules, immutable revisions, releases, their changes, channels.
-- Every object lives in the schema `hotload`. Applied once by `hotload init`.

CREATE SCHEMA IF NOT EXISTS hotload;

-- Applied migration files (the runner reads this before applying a file).
CREATE TABLE IF NOT EXISTS hotload.schema_migrations (
    name       text PRIMARY KEY,
    sha256     text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- A module is a name ("billing/pricing"); its content lives in revisions.
-- latest_version is the last version number handed out (row lock = version allocator).
CREATE TABLE hotload.modules (
    name           text PRIMARY KEY
                   CONSTRAINT modules_name_valid CHECK (name ~ '^[a-z_][a-z0-9_]*(/[a-z_][a-z0-9_]*)*$' AND length(name) <= 255),
    latest_version integer NOT NULL DEFAULT 0 CHECK (latest_version >= 0),
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- Immutable content: one row per (module, version). The hash is checked by the database.
CREATE TABLE hotload.revisions (
    module     text NOT NULL REFERENCES hotload.modules (name),
    version    integer NOT NULL CHECK (version > 0),
    source     text NOT NULL,
    sha256     text NOT NULL
               CONSTRAINT revisions_sha256_matches_source CHECK (sha256 = encode(sha256(convert_to(source, 'UTF8')), 'hex')),
    author     text NOT NULL,
    message    text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (module, version)
);
-- Reuse of identical content (promoting a revision to another channel, re-pushing old text).
CREATE INDEX revisions_module_sha256 ON hotload.revisions (module, sha256);

-- A channel ("main", "canary", ...) points at its head release.
CREATE TABLE hotload.channels (
    name       text PRIMARY KEY
               CONSTRAINT channels_name_valid CHECK (name ~ '^[a-z][a-z0-9_-]*$' AND length(name) <= 63),
    head       bigint,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A release is one atomic change of a channel's module set.
CREATE TABLE hotload.releases (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel       text NOT NULL REFERENCES hotload.channels (name),
    parent        bigint REFERENCES hotload.releases (id),
    author        text NOT NULL,
    message       text NOT NULL DEFAULT '',
    db_role       text NOT NULL DEFAULT current_user,
    skipped_check boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT releases_parent_is_older CHECK (parent IS NULL OR parent < id)
);
-- `hotload log`: the newest releases of a channel come first from this index.
CREATE INDEX releases_channel_id ON hotload.releases (channel, id DESC);

ALTER TABLE hotload.channels
    ADD CONSTRAINT channels_head_fkey FOREIGN KEY (head) REFERENCES hotload.releases (id);

-- What a release changed. version is NULL exactly for a delete. The channel is copied
-- from the release so that "module M as of release R on channel C" is one index probe:
-- a channel's module set at R is the newest change of each module with release <= R.
CREATE TABLE hotload.release_changes (
    release bigint NOT NULL REFERENCES hotload.releases (id),
    channel text NOT NULL REFERENCES hotload.channels (name),
    module  text NOT NULL REFERENCES hotload.modules (name),
    version integer,
    action  text NOT NULL CHECK (action IN ('add', 'modify', 'delete', 'rollback')),
    PRIMARY KEY (release, module),
    FOREIGN KEY (module, version) REFERENCES hotload.revisions (module, version),
    CONSTRAINT release_changes_version_unless_delete CHECK ((action = 'delete') = (version IS NULL))
);
CREATE INDEX release_changes_channel_module ON hotload.release_changes (channel, module, release DESC)
    INCLUDE (version);

INSERT INTO hotload.channels (name) VALUES ('main') ON CONFLICT DO NOTHING;
