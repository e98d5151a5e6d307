import ArgumentParser
import Foundation
import HotloadModules

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Compile and link module files offline and print diagnostics.",
        discussion: """
        Every .hl file under a directory is a module named by its path relative to that \
        directory (or to --root), without the extension: rules/billing/pricing.hl under \
        rules/ is billing/pricing. Entries starting with '.' are skipped; symbolic links \
        are followed only to files inside the tree; files are read exactly as \
        `hotload push` reads them. All modules given are linked together, so imports \
        between them are checked too. Exits 1 when there is any diagnostic.
        """
    )

    @Argument(help: "Module files or directories of module files.")
    var paths: [String]

    @Option(help: "The directory module names are relative to (default: each directory given, or the current directory for files).")
    var root: String?

    @Option(help: "Host function signatures and constants to check against (JSON; default: $HOTLOAD_HOST_DECLARATIONS).")
    var host: String?

    @Flag(help: "Print diagnostics as JSON.")
    var json = false

    func run() async throws {
        // The limits nodes link with (the push check's too).
        let linker = Linker(host: try HostDeclarationsFile.environment(path: host), limits: .default)
        let report = CheckReport.run(paths: paths, root: root, linker: linker)
        if json {
            struct Item: Encodable {
                var file: String, line: Int, column: Int, code: String, severity: String, message: String
            }
            let items = report.fileErrors.map {
                Item(file: $0.path, line: 1, column: 1, code: $0.code, severity: "error", message: $0.message)
            } + report.diagnostics.map {
                Item(file: $0.file, line: $0.location.line, column: $0.location.column, code: $0.code,
                     severity: $0.severity.rawValue, message: $0.message)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(items), as: UTF8.self))
        } else if report.isSuccess {
            print("\(report.moduleCount) module\(report.moduleCount == 1 ? "" : "s") ok")
        } else {
            FileHandle.standardError.write(Data((report.humanFormat + "\n").utf8))
            let count = report.fileErrors.count + report.diagnostics.count
            FileHandle.standardError.write(Data("\(count) error\(count == 1 ? "" : "s")\n".utf8))
        }
        if !report.isSuccess { throw ExitCode.failure }
    }
}
