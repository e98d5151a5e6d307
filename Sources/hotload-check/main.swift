// hotload-check: compiles and links module files offline. Used by the SwiftPM
// build-tool plugin (HotloadCheckPlugin); `hotload check` is the same for people.
//
//   hotload-check [--root DIR] [--format human|compiler] [--stamp FILE] PATH...
//
// --stamp writes a comment-only Swift file on success (the build plugin's output).
//
// Exit status: 0 when every module links, 1 on diagnostics, 2 on bad usage.
import Foundation
import HotloadModules

struct Usage: Error, CustomStringConvertible {
    var description: String
}

func run() -> Int32 {
    var root: String?
    var format = "human"
    var stamp: String?
    var paths: [String] = []
    var arguments = CommandLine.arguments.dropFirst()
    do {
        while let argument = arguments.popFirst() {
            switch argument {
            case "--root", "--format", "--stamp":
                guard let value = arguments.popFirst() else { throw Usage(description: "\(argument) needs a value") }
                if argument == "--root" { root = value } else if argument == "--format" { format = value } else { stamp = value }
            case "-h", "--help":
                print("usage: hotload-check [--root DIR] [--format human|compiler] [--stamp FILE] PATH...")
                return 0
            default:
                guard !argument.hasPrefix("-") else { throw Usage(description: "unknown option \(argument)") }
                paths.append(argument)
            }
        }
        guard format == "human" || format == "compiler" else { throw Usage(description: "--format is human or compiler") }
        guard !paths.isEmpty else { throw Usage(description: "no module files or directories given") }
    } catch {
        FileHandle.standardError.write(Data("hotload-check: \(error)\n".utf8))
        return 2
    }

    // The limits nodes and the push checker link with.
    let report = CheckReport.run(paths: paths, root: root, linker: Linker(limits: .default))
    let text = format == "compiler" ? report.compilerFormat : report.humanFormat
    if !text.isEmpty { FileHandle.standardError.write(Data((text + "\n").utf8)) }
    if report.isSuccess, let stamp {
        let note = "// hotload-check: \(report.moduleCount) module(s) checked and linked.\n"
        _ = FileManager.default.createFile(atPath: stamp, contents: Data(note.utf8))
    }
    return report.isSuccess ? 0 : 1
}

exit(run())
