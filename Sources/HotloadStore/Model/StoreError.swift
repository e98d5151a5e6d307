import Foundation
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
    /// The NOLOGIN role that owns the schema; applying migrations needs it or a superuser.
    case owner = "hotload_owner"
}

/// Why a store operation failed: a stable `code` to match on, a `message` that names the
/// problem (and the fix when it lies in the database: a role to grant, a module to keep),
/// and the context a caller needs to act on it (`channel`, `actualHead`, `role`, ...).
///
/// Match on the code (`error.code == .headMoved`), never on the message: codes never change
/// meaning, and a new code does not break a `switch` over the existing ones. Messages name
/// no command-line flag or command; a command-line tool adds those hints from the code and
/// the context.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// A stable identifier of the kind of failure (its `rawValue` is snake_case and never
    /// changes meaning).
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The `hotload` schema (or one of its tables, functions or columns) does not exist
        /// in the database: its migrations were never applied, or it is older than this program.
        public static let schemaMissing = Code(rawValue: "schema_missing")
        /// The connected role lacks a privilege; `role` is the hotload group role that grants it.
        public static let permissionDenied = Code(rawValue: "permission_denied")
        /// The compile check refused the push (`diagnostics`); nothing was written.
        public static let checkFailed = Code(rawValue: "check_failed")
        /// The channel's head is not the expected one (`expectedHead`, `actualHead`).
        public static let headMoved = Code(rawValue: "head_moved")
        /// A module to delete is still imported by remaining modules (`importers`).
        public static let stillImported = Code(rawValue: "still_imported")
        /// A module name that is not `segment(/segment)*` with segments `[a-z_][a-z0-9_]*`.
        public static let invalidModuleName = Code(rawValue: "invalid_module_name")
        /// A channel name that is not `[a-z][a-z0-9_-]*` (at most 63 characters).
        public static let invalidChannelName = Code(rawValue: "invalid_channel_name")
        /// Two files map to the same module name.
        public static let duplicateModule = Code(rawValue: "duplicate_module")
        /// The module does not exist on the channel (or at the release).
        public static let unknownModule = Code(rawValue: "unknown_module")
        /// The module has no such version.
        public static let unknownVersion = Code(rawValue: "unknown_version")
        /// No such release.
        public static let unknownRelease = Code(rawValue: "unknown_release")
        /// The release belongs to another channel (`channel` is the one it belongs to).
        public static let releaseOnOtherChannel = Code(rawValue: "release_on_other_channel")
        /// The channel does not exist or has no release yet.
        public static let emptyChannel = Code(rawValue: "empty_channel")
        /// There are migrations to apply but the connected role may not act as the schema's owner.
        public static let notAdministrator = Code(rawValue: "not_administrator")
        /// A migration file changed after it was applied.
        public static let migrationChanged = Code(rawValue: "migration_changed")
        /// An export or other file-system operation failed.
        public static let fileSystem = Code(rawValue: "file_system")
        /// A release's author contains control characters.
        public static let invalidAuthor = Code(rawValue: "invalid_author")
        /// A release's message contains control characters other than newlines and tabs.
        public static let invalidMessage = Code(rawValue: "invalid_message")
        /// A request that makes no sense (e.g. removing no module at all).
        public static let invalidRequest = Code(rawValue: "invalid_request")
        /// The channel has an active rollout (`rollout`): finish it first, or push superseding it.
        public static let rolloutActive = Code(rawValue: "rollout_active")
        /// No such rollout (`rollout`).
        public static let unknownRollout = Code(rawValue: "unknown_rollout")
        /// The channel has no active rollout.
        public static let noActiveRollout = Code(rawValue: "no_active_rollout")
        /// The rollout's `phase` does not allow the action.
        public static let rolloutPhase = Code(rawValue: "rollout_phase")
        /// The login (`loginRole`) pushed the candidate or started the rollout, so it may not approve it.
        public static let selfApproval = Code(rawValue: "self_approval")
        /// The login (`loginRole`) already approved this plan of the rollout.
        public static let alreadyApproved = Code(rawValue: "already_approved")
        /// The rollout is at its last step.
        public static let lastStep = Code(rawValue: "last_step")
        /// Another caller moved the rollout to another step first (`step`).
        public static let stepMoved = Code(rawValue: "step_moved")
        /// The release cannot be a candidate of the channel (not on it, or already stable).
        public static let invalidCandidate = Code(rawValue: "invalid_candidate")
        /// A rollout plan's steps are malformed.
        public static let invalidSteps = Code(rawValue: "invalid_steps")
        /// A health gate does not compile.
        public static let invalidGate = Code(rawValue: "invalid_gate")
        /// A node cannot be pinned as asked (`node`).
        public static let pinRefused = Code(rawValue: "pin_refused")
        /// A controller acted on a channel whose leadership lease it does not hold
        /// (`leader`: the instance that holds it, nil when none does).
        public static let notLeader = Code(rawValue: "not_leader")
        /// The signing key (`keyID`) is registered to another owner (`owner`).
        public static let keyOwnerConflict = Code(rawValue: "key_owner_conflict")
        /// A key already signed the release (`release`); each key signs a release once.
        public static let alreadySigned = Code(rawValue: "already_signed")
    }

    /// What kind of failure this is.
    public let code: Code
    private let context: Context

    private init(_ code: Code, _ context: Context) {
        self.code = code
        self.context = context
    }

    /// The data behind each code; the public accessors read it.
    private enum Context: Sendable {
        case detail(String)
        case permission(role: HotloadRole, detail: String)
        case diagnostics([Diagnostic])
        case head(channel: String, expected: Int64, actual: Int64?)
        case importers(module: String, importers: [String])
        case moduleName(String, path: String)
        case channelName(String)
        case empty(channel: String)
        case duplicate(module: String, paths: [String])
        case file(path: String, reason: String)
        case module(String, channel: String, release: Int64?)
        case version(module: String, version: Int, latest: Int?)
        case release(Int64)
        case otherChannel(release: Int64, channel: String, expected: String)
        case loginRole(String)
        case migration(String)
        case message(String)
        case activeRollout(channel: String, rollout: Int64)
        case rollout(Int64)
        case noRollout(channel: String)
        case phase(rollout: Int64, phase: String, action: String)
        case approver(rollout: Int64, login: String)
        case step(rollout: Int64, step: Int)
        case candidate(release: Int64, channel: String, reason: String)
        case steps(String, reason: String)
        case gate(String, diagnostic: String)
        case pin(node: String, reason: String)
        case leader(channel: String?, rollout: Int64?, leader: UUID?)
        case keyOwner(keyID: String, owner: String)
    }

    // MARK: - Making errors

    /// `schema_missing`; `detail` is the server's message.
    public static func schemaMissing(detail: String) -> StoreError { StoreError(.schemaMissing, .detail(detail)) }
    /// `permission_denied`: the operation needs `role`; `detail` is the server's message.
    public static func permissionDenied(role: HotloadRole, detail: String) -> StoreError {
        StoreError(.permissionDenied, .permission(role: role, detail: detail))
    }
    /// `check_failed` with the diagnostics that refused the push.
    public static func checkFailed(_ diagnostics: [Diagnostic]) -> StoreError {
        StoreError(.checkFailed, .diagnostics(diagnostics))
    }
    /// `head_moved`: `channel`'s head is `actual` (nil: no release), not `expected`.
    public static func headMoved(channel: String, expected: Int64, actual: Int64?) -> StoreError {
        StoreError(.headMoved, .head(channel: channel, expected: expected, actual: actual))
    }
    /// `still_imported`: `module` is imported by `importers`.
    public static func stillImported(module: String, importers: [String]) -> StoreError {
        StoreError(.stillImported, .importers(module: module, importers: importers))
    }
    /// `invalid_module_name`: the file at `path` would be module `name`.
    public static func invalidModuleName(_ name: String, path: String) -> StoreError {
        StoreError(.invalidModuleName, .moduleName(name, path: path))
    }
    /// `invalid_channel_name`.
    public static func invalidChannelName(_ name: String) -> StoreError { StoreError(.invalidChannelName, .channelName(name)) }
    /// `duplicate_module`: the files at `paths` are all module `name`.
    public static func duplicateModule(_ name: String, paths: [String]) -> StoreError {
        StoreError(.duplicateModule, .duplicate(module: name, paths: paths))
    }
    /// `unknown_module`: at `release`, or at the head of `channel` when nil.
    public static func unknownModule(_ module: String, channel: String, release: Int64?) -> StoreError {
        StoreError(.unknownModule, .module(module, channel: channel, release: release))
    }
    /// `unknown_version`: `latest` is the module's newest version, nil when it has none.
    public static func unknownVersion(module: String, version: Int, latest: Int?) -> StoreError {
        StoreError(.unknownVersion, .version(module: module, version: version, latest: latest))
    }
    /// `unknown_release`.
    public static func unknownRelease(_ release: Int64) -> StoreError { StoreError(.unknownRelease, .release(release)) }
    /// `release_on_other_channel`: `release` belongs to `channel`, not to `expected`.
    public static func releaseOnOtherChannel(release: Int64, channel: String, expected: String) -> StoreError {
        StoreError(.releaseOnOtherChannel, .otherChannel(release: release, channel: channel, expected: expected))
    }
    /// `empty_channel`.
    public static func emptyChannel(_ channel: String) -> StoreError { StoreError(.emptyChannel, .empty(channel: channel)) }
    /// `not_administrator`: `role` is the connected login role.
    public static func notAdministrator(role: String) -> StoreError { StoreError(.notAdministrator, .loginRole(role)) }
    /// `migration_changed`.
    public static func migrationChanged(name: String) -> StoreError { StoreError(.migrationChanged, .migration(name)) }
    /// `file_system`, with why.
    public static func fileSystem(path: String, reason: String) -> StoreError {
        StoreError(.fileSystem, .file(path: path, reason: reason))
    }
    /// `invalid_author`.
    public static func invalidAuthor() -> StoreError {
        StoreError(.invalidAuthor, .message("the author contains control characters; give a plain name"))
    }
    /// `invalid_message`.
    public static func invalidMessage() -> StoreError {
        StoreError(.invalidMessage, .message(
            "the release message contains control characters other than newlines and tabs; remove them"))
    }
    /// `invalid_request`; `message` says what makes no sense.
    public static func invalidRequest(_ message: String) -> StoreError { StoreError(.invalidRequest, .message(message)) }
    /// `rollout_active`: `channel` has the active `rollout`.
    public static func rolloutActive(channel: String, rollout: Int64) -> StoreError {
        StoreError(.rolloutActive, .activeRollout(channel: channel, rollout: rollout))
    }
    /// `unknown_rollout`.
    public static func unknownRollout(_ rollout: Int64) -> StoreError { StoreError(.unknownRollout, .rollout(rollout)) }
    /// `no_active_rollout` on `channel`.
    public static func noActiveRollout(channel: String) -> StoreError {
        StoreError(.noActiveRollout, .noRollout(channel: channel))
    }
    /// `rollout_phase`: `rollout` is in `phase`, which does not allow `action`.
    public static func rolloutPhase(rollout: Int64, phase: String, action: String) -> StoreError {
        StoreError(.rolloutPhase, .phase(rollout: rollout, phase: phase, action: action))
    }
    /// `self_approval`: the login `role` pushed or started `rollout`.
    public static func selfApproval(rollout: Int64, role: String) -> StoreError {
        StoreError(.selfApproval, .approver(rollout: rollout, login: role))
    }
    /// `already_approved`: the login `role` approved this plan of `rollout` before.
    public static func alreadyApproved(rollout: Int64, role: String) -> StoreError {
        StoreError(.alreadyApproved, .approver(rollout: rollout, login: role))
    }
    /// `last_step` of `rollout`.
    public static func lastStep(rollout: Int64) -> StoreError { StoreError(.lastStep, .rollout(rollout)) }
    /// `step_moved`: `rollout` is at `step` (zero-based) now.
    public static func stepMoved(rollout: Int64, step: Int) -> StoreError {
        StoreError(.stepMoved, .step(rollout: rollout, step: step))
    }
    /// `invalid_candidate`: `release` cannot be rolled out on `channel`, for `reason`.
    public static func invalidCandidate(release: Int64, channel: String, reason: String) -> StoreError {
        StoreError(.invalidCandidate, .candidate(release: release, channel: channel, reason: reason))
    }
    /// `invalid_steps`: the step list `text` is malformed, for `reason`.
    public static func invalidSteps(_ text: String, reason: String) -> StoreError {
        StoreError(.invalidSteps, .steps(text, reason: reason))
    }
    /// `invalid_gate`: `expression` does not compile (`diagnostic`).
    public static func invalidGate(_ expression: String, diagnostic: String) -> StoreError {
        StoreError(.invalidGate, .gate(expression, diagnostic: diagnostic))
    }
    /// `pin_refused` for `node`, for `reason`.
    public static func pinRefused(node: String, reason: String) -> StoreError {
        StoreError(.pinRefused, .pin(node: node, reason: reason))
    }

    /// `not_leader`: a controller acted on `channel` (or `rollout`'s channel) without
    /// holding its unexpired lease; `leader` holds it (nil: nobody).
    public static func notLeader(channel: String?, rollout: Int64?, leader: UUID?) -> StoreError {
        StoreError(.notLeader, .leader(channel: channel, rollout: rollout, leader: leader))
    }

    /// `key_owner_conflict`: `keyID` is registered to `owner`.
    public static func keyOwnerConflict(keyID: String, owner: String) -> StoreError {
        StoreError(.keyOwnerConflict, .keyOwner(keyID: keyID, owner: owner))
    }

    /// `already_signed`: a key already signed `release`.
    public static func alreadySigned(release: Int64) -> StoreError { StoreError(.alreadySigned, .release(release)) }

    // MARK: - Context

    /// The hotload group role the operation needs (`permission_denied`).
    public var role: HotloadRole? {
        if case .permission(let role, _) = context { return role }
        return nil
    }

    /// The connected login role that may not apply migrations (`not_administrator`).
    public var loginRole: String? {
        switch context {
        case .loginRole(let role), .approver(_, let role): return role
        default: return nil
        }
    }

    /// The rollout the error is about.
    public var rollout: Int64? {
        switch context {
        case .activeRollout(_, let rollout), .rollout(let rollout), .phase(let rollout, _, _),
             .approver(let rollout, _), .step(let rollout, _):
            return rollout
        case .leader(_, let rollout, _):
            return rollout
        default:
            return nil
        }
    }

    /// The phase a rollout is in (`rollout_phase`).
    public var phase: String? {
        if case .phase(_, let phase, _) = context { return phase }
        return nil
    }

    /// The step (zero-based) a rollout moved to (`step_moved`).
    public var step: Int? {
        if case .step(_, let step) = context { return step }
        return nil
    }

    /// The controller instance that leads the channel (`not_leader`); nil when none does.
    public var leader: UUID? {
        if case .leader(_, _, let leader) = context { return leader }
        return nil
    }

    /// The signing key the error is about (`key_owner_conflict`).
    public var keyID: String? {
        if case .keyOwner(let keyID, _) = context { return keyID }
        return nil
    }

    /// The owner a signing key is registered to (`key_owner_conflict`).
    public var owner: String? {
        if case .keyOwner(_, let owner) = context { return owner }
        return nil
    }

    /// The node a pin was refused for (`pin_refused`).
    public var node: String? {
        if case .pin(let node, _) = context { return node }
        return nil
    }

    /// The diagnostics that refused a push (`check_failed`); empty for other codes.
    public var diagnostics: [Diagnostic] {
        if case .diagnostics(let diagnostics) = context { return diagnostics }
        return []
    }

    /// The channel the error is about: the one whose head moved, that is empty, that has
    /// an invalid name or lacks the module, or the one a release belongs to
    /// (`release_on_other_channel`).
    public var channel: String? {
        switch context {
        case .head(let channel, _, _), .channelName(let channel), .empty(let channel), .module(_, let channel, _),
             .otherChannel(_, let channel, _), .activeRollout(let channel, _), .noRollout(let channel),
             .candidate(_, let channel, _):
            return channel
        case .leader(let channel, _, _):
            return channel
        default:
            return nil
        }
    }

    /// The head a push expected (`head_moved`).
    public var expectedHead: Int64? {
        if case .head(_, let expected, _) = context { return expected }
        return nil
    }

    /// The channel's actual head (`head_moved`); nil when the channel has no release.
    public var actualHead: Int64? {
        if case .head(_, _, let actual) = context { return actual }
        return nil
    }

    /// The module the error is about.
    public var module: String? {
        switch context {
        case .importers(let module, _), .moduleName(let module, _), .duplicate(let module, _),
             .module(let module, _, _), .version(let module, _, _):
            return module
        default:
            return nil
        }
    }

    /// The modules that still import `module` (`still_imported`); empty for other codes.
    public var importers: [String] {
        if case .importers(_, let importers) = context { return importers }
        return []
    }

    /// The file or directory the error is about.
    public var path: String? {
        switch context {
        case .moduleName(_, let path), .file(let path, _): return path
        case .duplicate(_, let paths): return paths.last
        default: return nil
        }
    }

    /// The release the error is about (`unknown_release`, `release_on_other_channel`, or
    /// the release an `unknown_module` was looked up at).
    public var release: Int64? {
        switch context {
        case .release(let release), .otherChannel(let release, _, _), .candidate(let release, _, _): return release
        case .module(_, _, let release): return release
        default: return nil
        }
    }

    /// The migration file that changed (`migration_changed`).
    public var migration: String? {
        if case .migration(let name) = context { return name }
        return nil
    }

    // MARK: - Text

    /// What is wrong, and the fix when it lies in the database or the files. Names no
    /// command-line flag or command. For `check_failed`, every diagnostic on its own line,
    /// then the summary.
    public var message: String {
        switch context {
        case .detail(let detail):
            return "the hotload schema is missing in this database or older than this program (\(detail)); "
                + "its migrations have not been applied"
        case .permission(.owner, let detail):
            return "permission denied (\(detail)); this needs a superuser or a member of hotload_owner: "
                + "run it as a superuser, or have one run GRANT hotload_owner TO <your login role>"
        case .permission(let role, let detail):
            return "permission denied (\(detail)); this needs the \(role.rawValue) role: "
                + "GRANT \(role.rawValue) TO <your login role>"
        case .diagnostics(let diagnostics):
            let count = diagnostics.count
            let body = diagnostics.map(\.description).joined(separator: "\n")
            return "\(body)\npush refused: \(count) error\(count == 1 ? "" : "s"); nothing was written"
        case .head(let channel, let expected, let actual):
            let now = actual.map { "release \($0)" } ?? "no release"
            return "channel \(channel) moved: expected head \(expected), but it is \(now)"
        case .importers(let module, let importers):
            return "cannot delete \(module): still imported by \(importers.joined(separator: ", ")); "
                + "remove those imports first or delete the importers too"
        case .moduleName(let name, let path):
            return "\(path): '\(name)' is not a valid module name; use path segments matching "
                + "[a-z_][a-z0-9_]* separated by '/', with the extension .hl"
        case .channelName(let name):
            return "'\(name)' is not a valid channel name; use [a-z][a-z0-9_-]* (at most 63 characters)"
        case .empty(let channel):
            return "channel \(channel) has no release yet; push modules to it first"
        case .duplicate(let name, let paths):
            return "module \(name) is given twice (\(paths.joined(separator: ", "))); push each module once"
        case .file(let path, let reason):
            return "\(path): \(reason)"
        case .module(let module, let channel, let release):
            let at = release.map { "release \($0)" } ?? "the head of channel \(channel)"
            return "module \(module) does not exist at \(at)"
        case .version(let module, let version, let latest):
            let hint = latest.map { "versions are 1...\($0)" } ?? "it has no versions"
            return "module \(module) has no version \(version) (\(hint))"
        case .release(let id) where code == .alreadySigned:
            return "a key already signed release \(id); each key signs a release once"
        case .release(let id):
            return "release \(id) does not exist"
        case .otherChannel(let release, let channel, let expected):
            return "release \(release) belongs to channel \(channel), not \(expected)"
        case .loginRole(let role):
            let name = TerminalText.escaping(role)
            return "role \(name) may not initialise or upgrade the hotload schema: that needs a superuser "
                + "or a member of hotload_owner (the NOLOGIN role that owns the schema); connect as a "
                + "superuser, or have a superuser run `GRANT hotload_owner TO \(name)` "
                + "(and `CREATE ROLE hotload_owner NOLOGIN` first if it does not exist yet)"
        case .migration(let name):
            return "migration \(name) was changed after it was applied; migrations are immutable, "
                + "add a new numbered file instead"
        case .message(let message):
            return message
        case .activeRollout(let channel, let rollout):
            return "channel \(channel) has an active rollout (\(rollout)); promote or abort it first, "
                + "or push superseding it (which aborts it)"
        case .rollout(let id) where code == .lastStep:
            return "rollout \(id) is at its last step; promote it to make the candidate stable"
        case .rollout(let id):
            return "rollout \(id) does not exist"
        case .noRollout(let channel):
            return "channel \(channel) has no active rollout"
        case .phase(let rollout, let phase, let action):
            return "rollout \(rollout) is \(phase): it cannot \(action) now"
        case .approver(let rollout, let login) where code == .selfApproval:
            return "role \(TerminalText.escaping(login)) pushed the candidate of rollout \(rollout) or started it, "
                + "so it may not approve it; another member of hotload_approver must"
        case .approver(let rollout, let login):
            return "role \(TerminalText.escaping(login)) has already approved this plan of rollout \(rollout); "
                + "approvals count distinct logins"
        case .step(let rollout, let step):
            return "rollout \(rollout) moved to step \(step + 1) meanwhile; look at its status and retry"
        case .candidate(let release, let channel, let reason):
            return "release \(release) cannot be rolled out on channel \(channel): \(reason)"
        case .steps(let text, let reason):
            return "invalid rollout steps '\(TerminalText.escaping(text))': \(reason)"
        case .gate(let expression, let diagnostic):
            return "gate '\(TerminalText.escaping(expression))' does not compile (gates are CEL expressions over "
                + "canary and stable, each with calls, errors, error_rate, p50_ms and p99_ms, yielding a bool):\n"
                + diagnostic
        case .pin(let node, let reason):
            return "cannot pin node \(TerminalText.escaping(node)): \(reason)"
        case .leader(let channel, let rollout, let leader):
            let subject = channel.map { "channel \($0)" } ?? rollout.map { "the channel of rollout \($0)" } ?? "the channel"
            let holder = leader.map { "controller \($0.uuidString.lowercased()) leads it" } ?? "no controller leads it"
            return "this controller does not hold the leadership lease of \(subject) (\(holder)); "
                + "only the leader acts on its rollouts"
        case .keyOwner(let keyID, let owner):
            return "key \(keyID) is registered to \(TerminalText.escaping(owner)); a key has one owner"
        }
    }

    /// The message.
    public var description: String { message }

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
