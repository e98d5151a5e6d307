import Foundation
import HotloadModules
import HotloadStore
import Synchronization

/// The node's current trust policy and, for a trust file, what it last saw of the file.
/// Reloading is cheap to ask for: a `stat` decides whether the file changed.
final class TrustState: Sendable {
    /// What a reload did.
    enum Reload: Equatable {
        /// No trust file, or it did not change.
        case unchanged
        /// The file changed and its new policy is in force.
        case loaded
        /// The file changed but is unusable: the previous policy stays in force.
        case failed(String)
    }

    private struct State {
        var policy: TrustPolicy?
        /// The file's identity and times when it was last read (nil: never read).
        var seen: FileStamp?
        /// Why the file last failed to load, while the previous policy stays in force.
        var error: String?
    }

    /// The trust file, nil for a fixed policy or none.
    let path: String?
    /// True when releases must be signed (a policy or a trust file was configured); until
    /// a trust file is loaded, nothing verifies.
    let required: Bool
    private let state: Mutex<State>

    /// The trust source, not loaded yet: a trust file is read by `load()`.
    init(_ trust: NodeTrust?) {
        switch trust {
        case nil:
            (path, required) = (nil, false)
            state = Mutex(State())
        case .policy(let policy):
            (path, required) = (nil, true)
            state = Mutex(State(policy: policy))
        case .file(let path):
            (self.path, required) = (path, true)
            state = Mutex(State())
        }
    }

    /// Reads the trust file (at start); throws `SigningError` (`invalid_trust_file`) when it
    /// is unusable.
    func load() throws {
        guard let path else { return }
        let stamp = FileStamp(path: path)
        let policy = try TrustPolicy(contentsOf: path)
        state.withLock { state in
            state.policy = policy
            state.seen = stamp
        }
    }

    /// The policy in force; nil when releases need no signature (or, when `required`,
    /// before the trust file is loaded).
    var policy: TrustPolicy? { state.withLock { $0.policy } }

    /// Why the trust file's last change was refused (the previous policy stays in force).
    var error: String? { state.withLock { $0.error } }

    /// Re-reads the trust file when it changed since it was last read (or always, with
    /// `force`). An unusable file keeps the policy in force and is reported once per change.
    func reload(force: Bool = false) -> Reload {
        guard let path else { return .unchanged }
        let stamp = FileStamp(path: path)
        let changed = state.withLock { state -> Bool in
            guard force || stamp != state.seen else { return false }
            state.seen = stamp
            return true
        }
        guard changed else { return .unchanged }
        do {
            let policy = try TrustPolicy(contentsOf: path)
            state.withLock { state in
                state.policy = policy
                state.error = nil
            }
            return .loaded
        } catch {
            let message = "\(error)"
            state.withLock { $0.error = message }
            return .failed(message)
        }
    }
}

/// What identifies one version of a file cheaply: device, inode, size, modification and
/// status-change times (nanoseconds). A replaced file (rename over it, a Kubernetes
/// ConfigMap's symbolic link swap) or one rewritten in place changes it.
struct FileStamp: Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: timespec
    var changed: timespec

    /// The stamp of the file `path` names (following symbolic links); nil when it cannot be
    /// inspected (a missing file is a change too).
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = info.st_mtim
        changed = info.st_ctim
    }

    static func == (a: FileStamp, b: FileStamp) -> Bool {
        a.device == b.device && a.inode == b.inode && a.size == b.size
            && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
            && a.changed.tv_sec == b.changed.tv_sec && a.changed.tv_nsec == b.changed.tv_nsec
    }
}
