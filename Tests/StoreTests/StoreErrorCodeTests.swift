import CEL
import HotloadStore
import Testing

/// `StoreError` codes are stable (callers match on their raw values) and its messages name
/// what is wrong without naming a command-line flag or command: the CLI adds those
/// (`ErrorHintCLITests`).
@Suite("Store error codes")
struct StoreErrorCodeTests {
    /// One error of every code, made by its factory.
    static let samples: [(StoreError, String)] = [
        (.schemaMissing(detail: "relation \"hotload.releases\" does not exist"), "schema_missing"),
        (.permissionDenied(role: .pusher, detail: "permission denied for function publish"), "permission_denied"),
        (.checkFailed([Diagnostic(code: CELErrorCode.undeclared, message: "undeclared reference to 'x'", file: "a.hl",
                                  location: SourceLocation(offset: 0, line: 1, column: 1), lineText: "x")]),
         "check_failed"),
        (.headMoved(channel: "main", expected: 3, actual: 4), "head_moved"),
        (.stillImported(module: "a", importers: ["b"]), "still_imported"),
        (.invalidModuleName("A", path: "rules/A.hl"), "invalid_module_name"),
        (.invalidChannelName("Main"), "invalid_channel_name"),
        (.duplicateModule("a", paths: ["x/a.hl", "y/a.hl"]), "duplicate_module"),
        (.unknownModule("a", channel: "main", release: nil), "unknown_module"),
        (.unknownVersion(module: "a", version: 9, latest: 2), "unknown_version"),
        (.unknownRelease(99), "unknown_release"),
        (.releaseOnOtherChannel(release: 5, channel: "canary", expected: "main"), "release_on_other_channel"),
        (.emptyChannel("canary"), "empty_channel"),
        (.notAdministrator(role: "alice"), "not_administrator"),
        (.migrationChanged(name: "0001_schema.sql"), "migration_changed"),
        (.fileSystem(path: "out", reason: "permission denied"), "file_system"),
        (.invalidAuthor(), "invalid_author"),
        (.invalidMessage(), "invalid_message"),
        (.invalidRequest("name at least one module to remove"), "invalid_request"),
        (.rolloutActive(channel: "main", rollout: 3), "rollout_active"),
        (.unknownRollout(3), "unknown_rollout"),
        (.noActiveRollout(channel: "main"), "no_active_rollout"),
        (.rolloutPhase(rollout: 3, phase: "aborted", action: "resume"), "rollout_phase"),
        (.selfApproval(rollout: 3, role: "alice"), "self_approval"),
        (.alreadyApproved(rollout: 3, role: "bob"), "already_approved"),
        (.lastStep(rollout: 3), "last_step"),
        (.stepMoved(rollout: 3, step: 1), "step_moved"),
        (.invalidCandidate(release: 7, channel: "main", reason: "it is already stable"), "invalid_candidate"),
        (.invalidSteps("1,0%", reason: "percentages are above 0"), "invalid_steps"),
        (.invalidGate("canary.calls <", diagnostic: "gate:1:15: error[E101]: unexpected end"), "invalid_gate"),
        (.pinRefused(node: "n1", reason: "release 3 is neither stable nor the candidate"), "pin_refused"),
        (.keyOwnerConflict(keyID: String(repeating: "a", count: 64), owner: "alice"), "key_owner_conflict"),
        (.alreadySigned(release: 3), "already_signed"),
    ]

    @Test func codesAreStable() {
        for (error, raw) in Self.samples {
            #expect(error.code.rawValue == raw)
            #expect(error.code == StoreError.Code(rawValue: raw))
        }
        #expect(Set(Self.samples.map(\.1)).count == Self.samples.count)
        #expect(StoreError.Code.headMoved.rawValue == "head_moved")
        #expect(StoreError.Code.schemaMissing.rawValue == "schema_missing")
        #expect(StoreError.Code.permissionDenied.rawValue == "permission_denied")
        #expect(StoreError.Code.checkFailed.rawValue == "check_failed")
    }

    @Test func contextCarriesWhatCallersNeed() {
        let moved = StoreError.headMoved(channel: "main", expected: 3, actual: nil)
        #expect(moved.channel == "main" && moved.expectedHead == 3 && moved.actualHead == nil)
        #expect(StoreError.permissionDenied(role: .node, detail: "x").role == .node)
        #expect(StoreError.stillImported(module: "a", importers: ["b", "c"]).importers == ["b", "c"])
        #expect(StoreError.releaseOnOtherChannel(release: 5, channel: "canary", expected: "main").channel == "canary")
        #expect(StoreError.unknownModule("a", channel: "main", release: 7).release == 7)
        #expect(StoreError.notAdministrator(role: "alice").loginRole == "alice")
        #expect(StoreError.migrationChanged(name: "0002.sql").migration == "0002.sql")
        #expect(StoreError.checkFailed([]).diagnostics.isEmpty && StoreError.unknownRelease(1).diagnostics.isEmpty)
        #expect(StoreError.unknownRelease(1).role == nil && StoreError.unknownRelease(1).channel == nil)
        let active = StoreError.rolloutActive(channel: "main", rollout: 3)
        #expect(active.channel == "main" && active.rollout == 3)
        let phase = StoreError.rolloutPhase(rollout: 4, phase: "aborted", action: "resume")
        #expect(phase.rollout == 4 && phase.phase == "aborted")
        #expect(StoreError.selfApproval(rollout: 5, role: "alice").loginRole == "alice")
        #expect(StoreError.alreadyApproved(rollout: 5, role: "bob").rollout == 5)
        #expect(StoreError.stepMoved(rollout: 6, step: 2).step == 2)
        #expect(StoreError.invalidCandidate(release: 7, channel: "main", reason: "x").release == 7)
        #expect(StoreError.pinRefused(node: "n1", reason: "x").node == "n1")
        #expect(StoreError.lastStep(rollout: 8).message.contains("last step"))
        #expect(StoreError.unknownRollout(8).message == "rollout 8 does not exist")
    }

    @Test func messagesNameNoCommandLineFlagOrCommand() throws {
        for (error, raw) in Self.samples {
            #expect(!error.message.isEmpty, "\(raw)")
            #expect("\(error)" == error.message, "\(raw)")
            for banned in commandLineWords(in: error.message) {
                Issue.record("\(raw): '\(banned)' in \(error.message)")
            }
        }
    }
}

/// Command-line flags (`--expect`, `-m)`) and `hotload` commands named in `text`.
func commandLineWords(in text: String) -> [String] {
    let flag = #/(^|[\s(`])--?[a-z][a-z-]*/#
    let command = #/hotload (init|push|log|show|diff|rollback|rm|modules|export|node|status|check|eval|bench|dev|demo)\b/#
    return text.matches(of: flag).map { String(text[$0.range]) } + text.matches(of: command).map { String(text[$0.range]) }
}
