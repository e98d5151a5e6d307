import PQ

/// What to do about a PostgreSQL error that no `StoreError` case covers: an unreachable
/// server, a rejected login, a missing database, a malformed connection string, a lost
/// session. Hotload's own advice (roles, `hotload init`) comes from `StoreError.mapping`;
/// how to choose the server on a command line is the CLI's to add.
package enum DatabaseAdvice {
    /// The fix for `error`, when there is something more specific than its message.
    package static func fix(for error: PQError) -> String? {
        let target = error.target ?? "the configured server"
        switch error.kind {
        case .connection:
            switch error.sqlState {
            case "3D000":
                return "create the database (`createdb NAME`) or connect to an existing one."
            case "53300":
                return "the server has no free connection slots: close idle clients or raise max_connections."
            case "57P03":
                return "the server is starting up or shutting down: retry in a moment."
            default:
                return "check that PostgreSQL is running and accepts connections at \(target)."
            }
        case .invalidConnectionString:
            return "correct the connection string: a URL such as postgresql://user@host:5432/database "
                + "or key=value pairs such as `host=db port=5432 dbname=app` (a port is a number)."
        case .authentication:
            return "check the user name and password for \(target) (in the URL, PGPASSWORD or ~/.pgpass) "
                + "and the server's pg_hba.conf."
        case .timeout:
            return "check the host, port and network path to \(target), or raise the connect timeout."
        case .closed:
            return "the session ended (server restart, pg_terminate_backend or network loss): reconnect."
        case .query:
            return queryFix(error)
        default:
            return nil
        }
    }

    /// `error`'s text, then `Fix: ...` when there is advice.
    package static func describe(_ error: PQError) -> String {
        fix(for: error).map { "\(error)\nFix: \($0)" } ?? error.description
    }

    private static func queryFix(_ error: PQError) -> String? {
        switch error.sqlState {
        case "42501":
            return "the current role lacks a privilege; grant it the Hotload role for the task "
                + "(\(HotloadRole.reader.rawValue) to read, \(HotloadRole.node.rawValue) for nodes, "
                + "\(HotloadRole.pusher.rawValue) to push, \(HotloadRole.approver.rawValue) to approve, "
                + "\(HotloadRole.operator.rawValue) to operate rollouts, \(HotloadRole.admin.rawValue) for channel policy)."
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
}
