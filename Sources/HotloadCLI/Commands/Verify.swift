import ArgumentParser
import Foundation
import HotloadStore

/// `hotload verify [--release N | --all] [--channel C] --trust FILE`: checks stored history.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check stored releases against a trust file: signatures, source hashes, parent links.",
        discussion: """
        For each release: enough distinct keys of the trust file signed the manifest the \
        database has for it (channel, release, parent, every module with version and \
        SHA-256, author, message); every module's source, hashed here, matches its stored \
        SHA-256; its parent is the previous release of its channel; at a channel's head, \
        what nodes load is its module set. Nothing is taken on \
        trust from the database, so history rewritten by a superuser (a changed source and \
        hash, moved or added change rows, deleted signatures) fails, naming each release \
        and why. Prints each failing release and a summary; exits 0 only when every \
        release verifies, 1 otherwise. Progress goes to stderr on long runs.

        Without --release or --all, checks the head of --channel (default main). --all \
        checks every release of every channel, or of --channel when it is given.
        """)

    @Option(help: "Check this release.")
    var release: Int64?

    @Flag(help: "Check every release (of --channel when given, else of every channel).")
    var all = false

    @Option(help: "The channel (default main; with --all, only this channel).")
    var channel: String?

    @Option(help: ArgumentHelp("The trust file: trusted public keys and the threshold (`hotload key trust` writes one).",
                               valueName: "file"))
    var trust: String

    @OptionGroup var output: JSONOutputOption
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if release != nil, all { throw ValidationError("give --release N or --all, not both") }
        if release != nil, channel != nil {
            throw ValidationError("--release N names its channel; drop --channel")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let policy = try TrustPolicy(contentsOf: trust)
            let scope: VerificationScope = if let release {
                .release(release)
            } else if all {
                channel.map { .channel($0) } ?? .all
            } else {
                .head(channel: channel ?? "main")
            }
            let report = try await connection.withStore { store in
                try await store.verify(scope, trust: policy) { done, total in
                    if done % 100 == 0, done < total { Output.error("verified \(done) of \(total) releases...") }
                }
            }
            if output.json {
                try Output.json(VerifyJSON(report))
            } else {
                Self.print(report)
            }
            if !report.isVerified { throw ExitCode.failure }
        }
    }

    private static func print(_ report: VerificationReport) {
        for result in report.failed {
            Output.line("release \(result.release) (\(Output.safe(result.channel))): FAILED")
            for failure in result.failures {
                Output.line("    \(failure.code): \(Output.safe(failure.message))")
            }
        }
        let failed = report.failed.count
        let total = report.releases.count
        if failed == 0 {
            Output.line("verified \(total) release\(total == 1 ? "" : "s"): every signature, source hash and parent link checks out")
        } else {
            Output.line("\(failed) of \(total) release\(total == 1 ? "" : "s") failed verification")
        }
    }
}

/// The JSON shape of `hotload verify --json`.
private struct VerifyJSON: Encodable {
    struct Failure: Encodable {
        var code: String
        var message: String
        var module: String?
        var key_id: String?
    }

    struct Release: Encodable {
        var release: Int64
        var channel: String
        var verified: Bool
        var signers: [String]
        var failures: [Failure]
    }

    var verified: Bool
    var checked: Int
    var failed: Int
    var releases: [Release]

    init(_ report: VerificationReport) {
        verified = report.isVerified
        checked = report.releases.count
        failed = report.failed.count
        releases = report.releases.map { result in
            Release(release: result.release, channel: result.channel, verified: result.isVerified,
                    signers: result.signers,
                    failures: result.failures.map {
                        Failure(code: $0.code.rawValue, message: $0.message, module: $0.module, key_id: $0.keyID)
                    })
        }
    }
}
