import CEL
import Foundation
import HotloadModules
import Testing

/// Deep data built at run time within every check-time limit: a chain of 60 functions,
/// each wrapping its argument in 20 lists, builds a value 1,200 levels deep. Comparing,
/// converting, measuring and returning it must give a value or an error value on a
/// 512 KiB stack, in a call and in a let. Linking the module works on that stack; the
/// calls need the CEL layer's run-time handling of deep data (its depth counter), which
/// this branch does not have: until it is merged these tests crash the test process.
@Suite("DeepData")
struct DeepDataTests {
    static let module: ModuleSource = {
        let wrap = String(repeating: "[", count: 20) + "x" + String(repeating: "]", count: 20)
        var lines = ["fn w0(x) = \(wrap)"]
        for i in 1..<60 { lines.append("fn w\(i)(x) = w\(i - 1)(\(wrap))") }
        lines += [
            "fn deep() = w59(1)",
            "fn equal() = deep() == deep()",
            "fn text() = size(string(dyn(deep())))",
            "fn inside() = deep() in [deep()]",
            "fn count() = size(deep())",
        ]
        return ModuleSource(name: "m", text: lines.joined(separator: "\n"))
    }()

    @Test("a value 1,200 levels deep built by a call chain gives values or errors")
    func deepDataFromCalls() async throws {
        let result = await onSmallStack { () -> [String] in
            let snapshot: Snapshot
            do throws(CompileError) {
                snapshot = try Linker().link([Self.module])
            } catch {
                return error.diagnostics.map(\.headline)
            }
            return ["deep", "equal", "text", "inside", "count"].map { function in
                do {
                    let value = try snapshot.call(module: "m", function: function, args: [])
                    if case .error = value { return "\(function): error" }
                    return "\(function): value"
                } catch {
                    return "\(function): \(error)"
                }
            }
        }
        let answers = try #require(result, "the calls did not finish")
        #expect(answers.count == 5, "\(answers)")
        #expect(answers.allSatisfy { $0.hasSuffix(": error") || $0.hasSuffix(": value") }, "\(answers)")
    }

    @Test("a let holding such a value links or fails with a diagnostic")
    func deepDataInALet() async throws {
        let module = ModuleSource(name: "m", text: Self.module.text + "\nlet d = deep()\nlet e = d == d")
        let result = await onSmallStack { () -> Int in
            do throws(CompileError) {
                _ = try Linker().link([module])
                return 0
            } catch {
                return error.diagnostics.count
            }
        }
        #expect(result != nil)
    }
}
