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

    func releaseOptions() throws -> ReleaseOptions {
        ReleaseOptions(channel: channel, author: resolvedAuthor, message: message, expectedHead: expect,
                       dryRun: dryRun, skipCheck: skipCheck, supersede: supersede,
                       host: try HostDeclarationsFile.environment(path: host))
    }
}
