import CEL
import Foundation
import HotloadModules
import TestSupport
import Testing

/// Deep data built through a call chain within the call-depth limit: a chain of 60
/// functions, each wrapping its argument in 20 lists, would build a value 1,200 levels
/// deep, which comparing, printing or freeing could overflow a small stack with. The
/// checker bounds how deep a function's result can nest (`Limits.maxValueDepth`, E404),
/// so such a chain is refused when it is linked, on a 512 KiB stack, in a call and in a
/// let; nothing deeper than the limit is ever built at run time.
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

    @Test("a value 1,200 levels deep built by a call chain is refused when linked")
    func deepDataFromCalls() async throws {
        let codes = try #require(await onSmallStack { linkDiagnostics([Self.module]).map(\.code) }, "linking did not finish")
        #expect(codes.contains("E404"), "\(codes)")
    }

    @Test("a let holding such a value is refused when linked")
    func deepDataInALet() async throws {
        let module = ModuleSource(name: "m", text: Self.module.text + "\nlet d = deep()\nlet e = d == d")
        let codes = try #require(await onSmallStack { linkDiagnostics([module]).map(\.code) }, "linking did not finish")
        #expect(codes.contains("E404"), "\(codes)")
    }
}
