import HotloadStore

/// How push, rm and rollback report their result.
enum PushReport {
    static func print(_ result: PushResult) {
        if result.isNoChange {
            let head = result.previousHead.map { "release \($0)" } ?? "no release"
            Output.line("no change: channel \(result.channel) is at \(head); nothing to push")
            return
        }
        if result.dryRun {
            let head = result.previousHead.map { "head \($0)" } ?? "no release yet"
            Output.line("dry run: would create a release on \(result.channel) (\(head)); nothing written")
        } else if let release = result.release {
            let count = result.changes.count
            Output.line("release \(release) on \(result.channel): \(count) change\(count == 1 ? "" : "s")")
            if let rollout = result.rollout {
                Output.line("the channel has a rollout policy: release \(release) is the candidate of rollout "
                    + "\(rollout.id) (\(rollout.phase.rawValue)); nodes keep the stable release until the rollout "
                    + "selects them (hotload rollout status)")
            }
            if !result.signers.isEmpty {
                Output.line("signed by key \(result.signers.map(SignerText.shortKeyID).joined(separator: ", key "))")
            }
        }
        for change in result.changes {
            let version = change.version.map { " v\($0)" } ?? ""
            Output.line("  \(change.action.rawValue.padding(8)) \(change.module)\(version)")
        }
        if result.skippedCheck {
            Output.line("check skipped (--skip-check is recorded on the release)")
        } else if !result.checked.isEmpty {
            Output.line("checked \(result.checked.count) module\(result.checked.count == 1 ? "" : "s")")
        }
    }
}

extension String {
    /// Pads with spaces to at least `width` characters.
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
