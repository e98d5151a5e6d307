#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Foundation
import HotloadStore

/// The options of every command that creates a release (push, rm, rollback).
struct ReleaseOptionGroup: ParsableArguments {
    @Option(name: [.short, .customLong("message")], help: "What the release is for.")
    var message: String = ""

    @Option(help: "The channel to change (created by the first push to it).")
    var channel: String = "main"

    @Option(help: "Refuse unless the channel's head is this release (0: no release yet).")
    var expect: Int64?

    @Option(help: "Author recorded on the release (default: $HOTLOAD_AUTHOR, else the login name).")
    var author: String?

    @Flag(help: "Check and report what would change; write nothing.")
    var dryRun = false

    @Flag(help: "Do not compile the modules (emergencies only); recorded on the release.")
    var skipCheck = false

    @Flag(help: "Abort the channel's active rollout (recorded as yours) instead of refusing the release.")
    var supersede = false

    @Option(help: ArgumentHelp(
        "Host function signatures and constants to check against (JSON; default: $HOTLOAD_HOST_DECLARATIONS).",
        discussion: "Needed when modules call functions that the nodes' host application provides."))
    var host: String?

    @Option(name: .customLong("sign"), help: ArgumentHelp(
        "Sign the release with this private key file (repeatable; default: $HOTLOAD_SIGNING_KEY).",
        discussion: "Every key signs the release's manifest in the transaction that creates it; nodes with a trust file apply only releases signed by enough trusted keys.",
        valueName: "key-file"))
    var sign: [String] = []

    /// The key files to sign with: `--sign`, else `$HOTLOAD_SIGNING_KEY`, else none.
    var signingKeyFiles: [String] {
        if !sign.isEmpty { return sign }
        if let file = ProcessInfo.processInfo.environment["HOTLOAD_SIGNING_KEY"], !file.isEmpty { return [file] }
        return []
    }

    var resolvedAuthor: String {
        if let author, !author.isEmpty { return author }
        let environment = ProcessInfo.processInfo.environment
        for key in ["HOTLOAD_AUTHOR", "USER", "LOGNAME"] {
            if let value = environment[key], !value.isEmpty { return value }
        }
        if let account = getpwuid(getuid()), let name = account.pointee.pw_name {
            return String(cString: name)
        }
        return "unknown"
    }

    /// The options, with the host declarations and the signing keys loaded: call it before
    /// connecting, so that a bad file fails the command before anything is written.
    func releaseOptions() throws -> ReleaseOptions {
        let files = signingKeyFiles
        let keys = try files.map { try SigningKey(contentsOf: $0) }
        for index in keys.indices {
            if let earlier = keys[..<index].firstIndex(where: { $0.keyID == keys[index].keyID }) {
                throw ValidationError("--sign \(files[earlier]) and --sign \(files[index]) are the same key; a key signs a release once")
            }
        }
        return ReleaseOptions(channel: channel, author: resolvedAuthor, message: message, expectedHead: expect,
                              dryRun: dryRun, skipCheck: skipCheck, supersede: supersede,
                              host: try HostDeclarationsFile.environment(path: host), signingKeys: keys)
    }
}
