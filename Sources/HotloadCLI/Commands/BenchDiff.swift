import ArgumentParser
import Dispatch
import Foundation
import HotloadStore

extension Bench {
    /// `hotload bench diff`: `FileDiff` (the hand-written Myers of `HotloadStore/Diff`) against
    /// the standard library's `CollectionDifference` on the same lines, the measurement behind
    /// the choice stated in `Sources/HotloadStore/Diff/README.md`.
    struct DiffCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diff",
            abstract: "Time unified diffs against the standard library's CollectionDifference.",
            discussion: """
            Four generated module pairs of --lines lines each: unchanged (the cost of splitting \
            the lines), --edits lines replaced at scattered places, every line changed, and the \
            same lines in reverse order. Each is diffed by `FileDiff` (line split, distance-capped \
            Myers, hunks) and by `difference(from:)` alone on the same lines split by \
            `split(separator:)`; the median of --rounds rounds is printed with the ratio \
            CollectionDifference / FileDiff. The last line is \
            `diff lines=N unchanged=R0 scattered=R1 all_changed=R2 reversed=R3` (the ratios). \
            Build with `swift build -c release --product hotload` for meaningful numbers.
            """)

        @Option(help: "Lines of each generated module.")
        var lines: Int = 10_000

        @Option(help: "Lines replaced in the scattered case.")
        var edits: Int = 20

        @Option(help: "Timed rounds per case; the median is reported.")
        var rounds: Int = 3

        func validate() throws {
            guard (1...1_000_000).contains(lines) else { throw ValidationError("--lines must be 1...1000000") }
            guard (0...lines).contains(edits) else { throw ValidationError("--edits must be 0...--lines") }
            guard (1...100).contains(rounds) else { throw ValidationError("--rounds must be 1...100") }
        }

        func run() throws {
            let old = (0..<lines).map { "let line_\($0) = input.value * \($0)\n" }
            var scattered = old
            for edit in 0..<edits { scattered[edit * lines / max(edits, 1)] = "let changed_\(edit) = 0\n" }
            let cases = [
                ("unchanged", old),
                ("scattered", scattered),
                ("all_changed", (0..<lines).map { "let other_\($0) = input.other + \($0)\n" }),
                ("reversed", Array(old.reversed())),
            ]
            var ratios: [String] = []
            for (name, new) in cases {
                let oldText = old.joined(), newText = new.joined()
                let handWritten = median {
                    _ = FileDiff(module: "m", oldLabel: "a", newLabel: "b", old: oldText, new: newText)
                }
                let standard = median {
                    let a = oldText.split(separator: "\n", omittingEmptySubsequences: false)
                    let b = newText.split(separator: "\n", omittingEmptySubsequences: false)
                    _ = b.difference(from: a)
                }
                let ratio = String(format: "%.2f", standard / handWritten)
                Output.line("\(name): FileDiff \(String(format: "%.1f", handWritten)) ms, "
                    + "CollectionDifference \(String(format: "%.1f", standard)) ms, ratio \(ratio)")
                ratios.append("\(name)=\(ratio)")
            }
            Output.line("diff lines=\(lines) " + ratios.joined(separator: " "))
        }

        /// The median of `rounds` timings of `body`, in milliseconds.
        private func median(_ body: () -> Void) -> Double {
            var times: [Double] = []
            for _ in 0..<rounds {
                let start = DispatchTime.now().uptimeNanoseconds
                body()
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            return times.sorted()[times.count / 2]
        }
    }
}
