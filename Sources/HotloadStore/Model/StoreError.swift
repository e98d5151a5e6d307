import CEL
import PQ

/// The hotload group role an operation needs.
public enum HotloadRole: String, Sendable {
    case reader = "hotload_reader"
    case node = "hotload_node"
    case pusher = "hotload_pusher"
    /// Approves and rejects rollouts.
    case approver = "hotload_approver"
    /// Starts, steps, pauses, resumes, promotes and aborts rollouts; pins nodes.
    case `operator` = "hotload_operator"
    /// Sets channel rollout policy.
    case admin = "hotload_admin"
    /// The NOLOGIN role that owns the schema; `hotload init` needs it or a superuser.
    case owner = "hotload_owner"
}

/// Why a store operation failed. Every description names the problem and the fix.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    /// The `hotload` schema (or one of its tables, functions or columns) does not exist in
    /// the database: it was never initialised or is older than this program.
    case schemaMissing(detail: String)
    /// The connected role lacks a privilege; `role` is the hotload group role that grants it.
    case permissionDenied(role: HotloadRole, detail: String)
    /// The compile check refused the push; nothing was written.
    case checkFailed([Diagnostic])
    /// `--expect` did not match the channel's head.
    case headMoved(channel: String, expected: Int64, actual: Int64?)
    /// A module to delete is still imported by a remaining module.
    case stillImported(module: String, importers: [String])
    /// A module name that is not `segment(/segment)*` with segments `[a-z_][a-z0-9_]*`.
    case invalidModuleName(String, path: String)
    /// A channel name that is not `[a-z][a-z0-9_-]*`.
    case invalidChannelName(String)
    /// Two files map to the same module name.
    case duplicateModule(String, paths: [String])
    /// A file could not be read, or is not UTF-8 text.
    case unreadableFile(path: String, reason: String)
    /// The module does not exist on the channel (or at the release).
    case unknownModule(String, channel: String, release: Int64?)
    /// The module has no such version.
    case unknownVersion(module: String, version: Int, latest: Int?)
    /// No such release.
    case unknownRelease(Int64)
    /// The release belongs to another channel.
    case releaseOnOtherChannel(release: Int64, channel: String, expected: String)
    /// The channel does not exist or has no release yet.
    case emptyChannel(String)
    /// `hotload init` has migrations to apply but the connected role may not act as the
    /// schema's owner.
    case notAdministrator(role: String)
    /// A migration file changed after it was applied.
    case migrationChanged(name: String)
    /// An export or other file-system operation failed.
    case fileSystem(path: String, reason: String)
    /// A request that makes no sense (e.g. `--prune` with single files).
    case invalidRequest(String)
    /// The channel has an active rollout: finish it first, or push superseding it.
    case rolloutActive(channel: String, rollout: Int64)
    /// No such rollout.
    case unknownRollout(Int64)
    /// The channel has no active rollout.
    case noActiveRollout(channel: String)
    /// The rollout's phase does not allow `action`.
    case rolloutPhase(rollout: Int64, phase: String, action: String)
    /// The login pushed the candidate or started the rollout, so it may not approve it.
    case selfApproval(rollout: Int64, role: String)
    /// The login already approved this plan of the rollout.
    case alreadyApproved(rollout: Int64, role: String)
    /// The rollout is at its last step.
    case lastStep(rollout: Int64)
    /// Another caller moved the rollout to another step first.
    case stepMoved(rollout: Int64, step: Int)
    /// The release cannot be a candidate of the channel (not on it, or already stable).
    case invalidCandidate(release: Int64, channel: String, reason: String)
    /// A rollout plan's steps are malformed.
    case invalidSteps(String, reason: String)
    /// A health gate does not compile.
    case invalidGate(String, diagnostic: String)
    /// A node cannot be pinned as asked.
    case pinRefused(node: String, reason: String)

    public var description: String {
        switch self {
        case .schemaMissing(let detail):
            return "the hotload schema is missing in this database or older than this program (\(detail)); "
                + "run `hotload init` first"
        case .permissionDenied(.owner, let detail):
            return "permission denied (\(detail)); this needs a superuser or a member of hotload_owner: "
                + "run it as a superuser, or have one run GRANT hotload_owner TO <your login role>"
        case .permissionDenied(let role, let detail):
            return "permission denied (\(detail)); this needs the \(role.rawValue) role: "
                + "GRANT \(role.rawValue) TO <your login role>"
        case .checkFailed(let diagnostics):
            let count = diagnostics.count
            let body = diagnostics.map(\.description).joined(separator: "\n")
            return "\(body)\npush refused: \(count) error\(count == 1 ? "" : "s"); nothing was written "
                + "(fix the errors, or use --skip-check in an emergency)"
        case .headMoved(let channel, let expected, let actual):
            let now = actual.map { "release \($0)" } ?? "no release"
            return "channel \(channel) moved: expected head \(expected), but it is \(now); "
                + "review `hotload log --channel \(channel)` and push again with --expect \(actual ?? 0)"
        case .stillImported(let module, let importers):
            return "cannot delete \(module): still imported by \(importers.joined(separator: ", ")); "
                + "remove those imports first or delete the importers too"
        case .invalidModuleName(let name, let path):
            return "\(path): '\(name)' is not a valid module name; use path segments matching "
                + "[a-z_][a-z0-9_]* separated by '/', with the extension .hl"
        case .invalidChannelName(let name):
            return "'\(name)' is not a valid channel name; use [a-z][a-z0-9_-]* (at most 63 characters)"
        case .duplicateModule(let name, let paths):
            return "module \(name) is given twice (\(paths.joined(separator: ", "))); push each module once"
        case .unreadableFile(let path, let reason):
            return "\(path): \(reason)"
        case .unknownModule(let module, let channel, let release):
            let at = release.map { "release \($0)" } ?? "the head of channel \(channel)"
            return "module \(module) does not exist at \(at); see `hotload modules --channel \(channel)`"
        case .unknownVersion(let module, let version, let latest):
            let hint = latest.map { "versions are 1...\($0)" } ?? "it has no versions"
            return "module \(module) has no version \(version) (\(hint)); see `hotload log \(module)`"
        case .unknownRelease(let id):
            return "release \(id) does not exist; see `hotload log`"
        case .releaseOnOtherChannel(let release, let channel, let expected):
            return "release \(release) belongs to channel \(channel), not \(expected); pass --channel \(channel)"
        case .emptyChannel(let channel):
            return "channel \(channel) has no release yet; push modules first (`hotload push DIR --channel \(channel)`)"
        case .notAdministrator(let role):
            let name = TerminalText.escaping(role)
            return "role \(name) may not initialise or upgrade the hotload schema: that needs a superuser "
                + "or a member of hotload_owner (the NOLOGIN role that owns the schema); run hotload init "
                + "as a superuser, or have a superuser run `GRANT hotload_owner TO \(name)` "
                + "(and `CREATE ROLE hotload_owner NOLOGIN` first if it does not exist yet)"
        case .migrationChanged(let name):
            return "migration \(name) was changed after it was applied; migrations are immutable, "
                + "add a new numbered file instead"
        case .fileSystem(let path, let reason):
            return "\(path): \(reason)"
        case .invalidRequest(let message):
            return message
        case .rolloutActive(let channel, let rollout):
            return "channel \(channel) has an active rollout (\(rollout)); promote or abort it first, "
                + "or push superseding it (which aborts it)"
        case .unknownRollout(let id):
            return "rollout \(id) does not exist"
        case .noActiveRollout(let channel):
            return "channel \(channel) has no active rollout"
        case .rolloutPhase(let rollout, let phase, let action):
            return "rollout \(rollout) is \(phase): it cannot \(action) now"
        case .selfApproval(let rollout, let role):
            return "role \(TerminalText.escaping(role)) pushed the candidate of rollout \(rollout) or started it, "
                + "so it may not approve it; another member of hotload_approver must"
        case .alreadyApproved(let rollout, let role):
            return "role \(TerminalText.escaping(role)) has already approved this plan of rollout \(rollout); "
                + "approvals count distinct logins"
        case .lastStep(let rollout):
            return "rollout \(rollout) is at its last step; promote it to make the candidate stable"
        case .stepMoved(let rollout, let step):
            return "rollout \(rollout) moved to step \(step + 1) meanwhile; look at its status and retry"
        case .invalidCandidate(let release, let channel, let reason):
            return "release \(release) cannot be rolled out on channel \(channel): \(reason)"
        case .invalidSteps(let text, let reason):
            return "invalid rollout steps '\(TerminalText.escaping(text))': \(reason)"
        case .invalidGate(let expression, let diagnostic):
            return "gate '\(TerminalText.escaping(expression))' does not compile (gates are CEL expressions over "
                + "canary and stable, each with calls, errors, error_rate, p50_ms and p99_ms, yielding a bool):\n"
                + diagnostic
        case .pinRefused(let node, let reason):
            return "cannot pin node \(TerminalText.escaping(node)): \(reason)"
        }
    }

    /// Maps a database error met by work on the hotload schema that needs `role` to a store
    /// error naming the fix: a missing schema, table, function or column means the schema is
    /// missing or old; a denied privilege names `role`. Other errors are returned as they are
    /// (`DatabaseAdvice` has the fix for those).
    package static func mapping(_ error: any Error, role: HotloadRole) -> any Error {
        guard let pq = error as? PQError else { return error }
        switch pq.sqlState {
        case "3F000", "42P01", "42883", "42703":
            return StoreError.schemaMissing(detail: pq.message)
        case "42501":
            return StoreError.permissionDenied(role: role, detail: pq.message)
        default:
            return pq
        }
    }
}
