// notify-floor: what NOTIFY fan-out costs on a server with no Swift, no Hotload code and
// no thread switches in the client, to compare `hotload bench propagation` against.
//
//   notify-floor CONNINFO LISTENERS ROUNDS MODE [CHANNEL]
//
// One thread, libpq in non-blocking mode and one epoll set. LISTENERS connections LISTEN;
// each round sends one NOTIFY and times, for every listener, from just before the sending
// statement until:
//   MODE 0  the notification arrived;
//   MODE 1  the listener then ran `SELECT 1` on a query connection of its own;
//   MODE 2  the listener then ran the nodes' target statement for CHANNEL (default "main"),
//           prepared with a generic plan, on a query connection of its own.
// Mode 2 needs the Hotload schema (`hotload init`). Prints one line with p50 and p99 in ms.
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

// The same statement as NodeSession.targetStatement (Sources/HotloadStore/Nodes/NodeSession.swift);
// Tests/StoreTests/NotificationContractTests.swift keeps the two equal.
static const char *head_statement =
    "SELECT t.release AS release, t.stable AS stable, t.candidate AS candidate, t.pinned AS pinned, "
    "t.pin_seconds AS pin_seconds, m.module AS module, m.version::bigint AS version, r.sha256 AS sha256, "
    "CASE WHEN m.module || '@' || m.version::text = ANY($3::text[]) THEN NULL ELSE r.source END AS source, "
    "m.parent AS parent, m.author AS author, m.message AS message, m.signatures AS signatures "
    "FROM ( "
    "SELECT c.name, c.head, c.stable, o.candidate, p.release AS pinned, "
    "EXTRACT(EPOCH FROM p.expires_at - now())::float8 AS pin_seconds, "
    "CASE WHEN p.release IS NOT NULL THEN p.release "
    "WHEN o.phase IN ('progressing', 'paused') THEN "
    "CASE WHEN hotload.rollout_bucket(o.salt, $4) < o.threshold THEN o.candidate ELSE c.stable END "
    "ELSE c.stable END AS release "
    "FROM hotload.channels c "
    "LEFT JOIN hotload.node_pins p ON p.node = $4 AND p.channel = c.name AND p.expires_at > now() "
    "LEFT JOIN hotload.rollouts o ON o.channel = c.name AND o.phase IN ('proposed', 'approved', 'progressing', 'paused') "
    "WHERE c.name = $1 "
    "OFFSET 0) t "
    "LEFT JOIN LATERAL ( "
    "SELECT cm.module, cm.version, NULL::bigint AS parent, NULL::text AS author, NULL::text AS message, "
    "NULL::text AS signatures "
    "FROM hotload.channel_modules cm "
    "WHERE t.release = t.head AND NOT (t.release = ANY($2::bigint[])) AND cm.channel = t.name "
    "UNION ALL "
    "SELECT mo.name, d.version, NULL, NULL, NULL, NULL FROM hotload.modules mo "
    "CROSS JOIN LATERAL ( "
    "SELECT rc.version FROM hotload.release_changes rc "
    "WHERE rc.channel = t.name AND rc.module = mo.name AND rc.release <= t.release "
    "ORDER BY rc.release DESC LIMIT 1) d "
    "WHERE t.release <> t.head AND NOT (t.release = ANY($2::bigint[])) AND d.version IS NOT NULL "
    "UNION ALL "
    "SELECT NULL, NULL, rl.parent, rl.author, rl.message, "
    "(SELECT string_agg(s.key_id || ':' || encode(s.signature, 'hex'), ',' ORDER BY s.key_id) "
    "FROM hotload.release_signatures s WHERE s.release = rl.id) "
    "FROM hotload.releases rl WHERE rl.id = t.release AND NOT (t.release = ANY($2::bigint[]))) m ON true "
    "LEFT JOIN LATERAL ( "
    "SELECT r.sha256, r.source FROM hotload.revisions r WHERE r.module = m.module AND r.version = m.version LIMIT 1) r "
    "ON true";

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void fail(const char *what, PGconn *conn) {
    fprintf(stderr, "notify-floor: %s: %s", what, conn ? PQerrorMessage(conn) : "\n");
    exit(1);
}

static PGconn *open_connection(const char *conninfo) {
    PGconn *conn = PQconnectdb(conninfo);
    if (PQstatus(conn) != CONNECTION_OK) fail("cannot connect", conn);
    return conn;
}

static void run(PGconn *conn, const char *sql) {
    PGresult *result = PQexec(conn, sql);
    if (PQresultStatus(result) != PGRES_COMMAND_OK && PQresultStatus(result) != PGRES_TUPLES_OK) fail(sql, conn);
    PQclear(result);
}

static void watch(int epoll, PGconn *conn, uint64_t tag) {
    struct epoll_event event = {.events = EPOLLIN, .data.u64 = tag};
    if (PQsetnonblocking(conn, 1) != 0 || epoll_ctl(epoll, EPOLL_CTL_ADD, PQsocket(conn), &event) != 0)
        fail("cannot watch a socket", conn);
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: notify-floor CONNINFO LISTENERS ROUNDS MODE(0|1|2) [CHANNEL]\n");
        return 2;
    }
    const char *conninfo = argv[1];
    int listeners = atoi(argv[2]), rounds = atoi(argv[3]), mode = atoi(argv[4]);
    const char *params[4] = {argc > 5 ? argv[5] : "main", "{}", "{}", "notify-floor"};
    if (listeners < 1 || listeners > 5000 || rounds < 1 || rounds > 10000 || mode < 0 || mode > 2) {
        fprintf(stderr, "notify-floor: LISTENERS 1-5000, ROUNDS 1-10000, MODE 0, 1 or 2\n");
        return 2;
    }
    int epoll = epoll_create1(0);
    if (epoll < 0) fail("epoll_create1", NULL);
    PGconn *sender = open_connection(conninfo);
    PGconn **listen = calloc(listeners, sizeof *listen), **query = calloc(listeners, sizeof *query);
    double *times = malloc(sizeof(double) * listeners * rounds);
    if (!listen || !query || !times) fail("out of memory", NULL);
    for (int i = 0; i < listeners; i++) {
        listen[i] = open_connection(conninfo);
        run(listen[i], "LISTEN notify_floor");
        watch(epoll, listen[i], (uint64_t)i);
        if (mode == 0) continue;
        query[i] = open_connection(conninfo);
        run(query[i], "SET plan_cache_mode = force_generic_plan");
        PGresult *prepared = PQprepare(query[i], "floor", mode == 1 ? "SELECT 1" : head_statement, 0, NULL);
        if (PQresultStatus(prepared) != PGRES_COMMAND_OK) fail("cannot prepare", query[i]);
        PQclear(prepared);
        watch(epoll, query[i], (1ull << 32) | (uint64_t)i);
    }
    int recorded = 0;
    // Round 0 warms up and is not counted.
    for (int round = 0; round <= rounds; round++) {
        usleep(20000);
        double start = now_ms();
        run(sender, "SELECT pg_notify('notify_floor', 'x')");
        int done = 0;
        struct epoll_event events[256];
        while (done < listeners) {
            int count = epoll_wait(epoll, events, 256, 10000);
            if (count <= 0) fail("no progress within 10 s", NULL);
            for (int e = 0; e < count; e++) {
                int i = (int)(events[e].data.u64 & 0xffffffffu);
                PGconn *conn = (events[e].data.u64 >> 32) ? query[i] : listen[i];
                if (!PQconsumeInput(conn)) fail("connection lost", conn);
                if (conn == listen[i]) {
                    int arrived = 0;
                    for (PGnotify *note; (note = PQnotifies(conn)); PQfreemem(note)) arrived = 1;
                    if (!arrived) continue;
                    if (mode == 0) {
                        if (round > 0) times[recorded++] = now_ms() - start;
                        done++;
                    } else if (!PQsendQueryPrepared(query[i], "floor", mode == 1 ? 0 : 4, params, NULL, NULL, 0)) {
                        fail("cannot send", query[i]);
                    }
                } else if (!PQisBusy(conn)) {
                    for (PGresult *result; (result = PQgetResult(conn)); PQclear(result)) {}
                    if (round > 0) times[recorded++] = now_ms() - start;
                    done++;
                }
            }
        }
    }
    qsort(times, recorded, sizeof(double), compare);
    printf("notify-floor mode=%d listeners=%d p50_ms=%.2f p99_ms=%.2f\n", mode, listeners,
           times[recorded / 2], times[(int)(recorded * 0.99)]);
    return 0;
}
