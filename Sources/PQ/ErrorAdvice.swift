/// Turns an error into the advice people need: which server, which command, which role.
enum ErrorAdvice {
    /// The Hotload group roles, from least to most privileged.
    static let readerRole = "hotload_reader"
    static let nodeRole = "hotload_node"
    static let pusherRole = "hotload_pusher"
    /// The NOLOGIN role that owns the schema (`hotload init` needs it or a superuser).
    static let ownerRole = "hotload_owner"

    static func fix(for error: PQError) -> String? {
        let target = error.target ?? "the configured server"
        switch error.kind {
        case .connection:
            switch error.sqlState {
            case "3D000":
                return "create the database (`createdb NAME`) or point --database / HOTLOAD_DATABASE_URL "
                    + "at an existing one."
            case "53300":
                return "the server has no free connection slots: close idle clients or raise max_connections."
            case "57P03":
                return "the server is starting up or shutting down: retry in a moment."
            default:
                return "check that PostgreSQL is running and accepts connections at \(target); "
                    + "choose the server with --database URL, HOTLOAD_DATABASE_URL or PGHOST/PGPORT."
            }
        case .authentication:
            return "check the user name and password for \(target) (in the URL, PGPASSWORD or ~/.pgpass) "
                + "and the server's pg_hba.conf."
        case .timeout:
            return "check the host, port and network path to \(target), or raise the connect timeout."
        case .closed:
            return "the session ended (server restart, pg_terminate_backend or network loss): reconnect."
        case .query:
            return queryFix(error)
        case .decoding, .cancelled:
            return nil
        }
    }

    private static func queryFix(_ error: PQError) -> String? {
        let mentionsHotload = error.message.contains("hotload")
            || (error.statement?.contains("hotload.") ?? false)
        switch error.sqlState {
        case "42P01", "3F000", "42883", "42703":
            guard mentionsHotload else { return nil }
            return "the Hotload schema is missing or older than this program: run `hotload init`."
        case "42501":
            guard let role = requiredRole(error) else {
                return "the current role lacks a privilege; grant it the Hotload role for the task "
                    + "(\(readerRole) to read, \(nodeRole) for nodes, \(pusherRole) to push)."
            }
            if role == ownerRole {
                return "only a superuser or a member of \(ownerRole) may change the Hotload schema or write its "
                    + "tables directly (pushes go through `hotload push`, nodes through `hotload node`): run "
                    + "`hotload init` as a superuser, or `GRANT \(ownerRole) TO <your login role>` (as a superuser)."
            }
            return "this needs the role \(role): `GRANT \(role) TO <your login role>` (as an administrator)."
        case "3D000":
            return "create the database or connect to an existing one."
        case "40001", "40P01":
            return "a concurrent transaction conflicted with this one: retry."
        case "57P01", "57P02", "57P03":
            return "the server is shutting down or restarting: reconnect and retry."
        default:
            return nil
        }
    }

    /// The Hotload role a statement needs, derived from the object and the statement kind:
    /// the write functions name their group role; every other write and every schema
    /// change needs the owner (the tables are written only through those functions).
    static func requiredRole(_ error: PQError) -> String? {
        let statement = (error.statement ?? "").lowercased()
        let message = error.message.lowercased()
        let concernsHotload = statement.contains("hotload") || message.contains("hotload")
            || message.contains("releases") || message.contains("revisions") || message.contains("channel")
            || message.contains("node")
        guard concernsHotload else { return nil }
        if statement.contains("hotload.node_register") || statement.contains("hotload.node_heartbeat") {
            return nodeRole
        }
        if statement.contains("hotload.publish") || statement.contains("hotload.lock_channel") {
            return pusherRole
        }
        let firstWord = statement.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "(" })
            .first.map(String.init) ?? ""
        let writes = ["insert", "update", "delete", "call", "merge", "truncate"].contains(firstWord)
            || (firstWord == "select" && statement.contains("for update"))
            || (firstWord == "with" && statement.contains("insert"))
        let changesSchema = ["create", "alter", "drop", "grant", "revoke", "comment", "do"].contains(firstWord)
            || message.contains("must be owner")
        if writes || changesSchema { return ownerRole }
        return readerRole
    }
}
