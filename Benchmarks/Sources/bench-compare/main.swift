// bench-compare: the twelve cases of shared/bench measured in one run with Hotload's
// CEL, Lua 5.4, LuaJIT (interpreter and JIT) and hand-written Swift closures, printed as a table of ratios.
//
//   swift run -c release bench-compare [--cases NAME,NAME] [--markdown]
import BenchKit
import CEL
import Foundation

func geometricMean(_ xs: [Double]) -> Double {
    xs.isEmpty ? 0 : exp(xs.map { log($0) }.reduce(0, +) / Double(xs.count))
}

/// Whether LuaJIT's `tostring` of a result is CEL's result (numbers compared as doubles).
func agrees(_ cel: Value, _ luajit: String) -> Bool {
    switch cel {
    case .bool(let b): luajit == String(b)
    case .int(let i): Double(luajit) == Double(i)
    case .double(let d): Double(luajit).map { abs($0 - d) <= 1e-9 * max(1, abs(d)) } ?? false
    case .string(let s): luajit == s
    default: false
    }
}

func format(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }

do {
    var only: Set<String>?
    var markdown = false
    var args = CommandLine.arguments.dropFirst()
    while let arg = args.popFirst() {
        switch arg {
        case "--cases": only = Set((args.popFirst() ?? "").split(separator: ",").map(String.init))
        case "--markdown": markdown = true
        default: throw BenchError("usage: bench-compare [--cases NAME,NAME] [--markdown]")
        }
    }
    let data = try BenchData.load()
    let lua = try LuaBaseline(inputJSON: data.inputJSON)
    let luajitInterpreter = try LuaJITBaseline(inputJSON: data.inputJSON, jit: false)
    let luajit = try LuaJITBaseline(inputJSON: data.inputJSON, jit: true)
    let input = try JSONDecoder().decode(BaselineInput.self, from: data.inputJSON)
    let swiftClosures = SwiftBaseline.closures()

    var rows: [(name: String, cel: Double, lua: Double, luajitInterpreter: Double, luajit: Double, swift: Double)] = []
    for benchCase in data.cases where only?.contains(benchCase.name) ?? true {
        let cel = try CELCase(benchCase, inputJSON: data.inputJSON)
        let luaCall = try lua.caller(for: benchCase.name)
        guard let closure = swiftClosures[benchCase.name] else { throw BenchError("no Swift closure for \(benchCase.name)") }
        let luajitResult = try luajitInterpreter.result(of: benchCase.name)
        guard agrees(cel.result(), luajitResult) else {
            throw BenchError("\(benchCase.name): CEL computes \(cel.result()), LuaJIT \(luajitResult)")
        }
        // The Swift closure gets its input through `opaque`, so that work on the unchanging
        // input cannot be hoisted out of the loop.
        let luajitInterpreterCall = try luajitInterpreter.caller(for: benchCase.name)
        let luajitCall = try luajit.caller(for: benchCase.name)
        let times = interleavedMedianNanoseconds([
            { cel.run() }, { luaCall() }, { luajitInterpreterCall() }, { luajitCall() }, { closure(opaque(input)) },
        ])
        rows.append((benchCase.name, times[0], times[1], times[2], times[3], times[4]))
        FileHandle.standardError.write(Data(("\(benchCase.name): cel \(format(times[0])) ns, lua \(format(times[1])) ns, "
            + "luajit -joff \(format(times[2])) ns, luajit \(format(times[3])) ns, swift \(format(times[4])) ns\n").utf8))
    }

    let header = ["case", "CEL ns", "Lua ns", "LuaJIT-interp ns", "LuaJIT-JIT ns", "Swift ns",
                  "CEL/Lua", "CEL/LuaJIT-interp", "CEL/Swift"]
    var table = rows.map { r in
        [r.name, format(r.cel), format(r.lua), format(r.luajitInterpreter), format(r.luajit), format(r.swift),
         format(r.cel / r.lua, 2), format(r.cel / r.luajitInterpreter, 2), format(r.cel / r.swift, 2)]
    }
    let gmLua = geometricMean(rows.map { $0.cel / $0.lua })
    let gmLuaJIT = geometricMean(rows.map { $0.cel / $0.luajitInterpreter })
    let gmSwift = geometricMean(rows.map { $0.cel / $0.swift })
    table.append(["geomean", "", "", "", "", "", format(gmLua, 2), format(gmLuaJIT, 2), format(gmSwift, 2)])
    if markdown {
        print("| " + header.joined(separator: " | ") + " |")
        print("|" + header.map { _ in "---" }.joined(separator: "|") + "|")
        for row in table { print("| " + row.joined(separator: " | ") + " |") }
    } else {
        let widths = header.indices.map { i in ([header[i]] + table.map { $0[i] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == 0 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                : String(repeating: " ", count: widths[i] - c.count) + c }.joined(separator: "  ")
        }
        print(line(header))
        for row in table { print(line(row)) }
    }
    let slower = rows.filter { $0.cel >= $0.lua }.map(\.name)
    print(slower.isEmpty ? "faster than Lua 5.4 on every case" : "not faster than Lua 5.4 on: \(slower.joined(separator: ", "))")
    let slowerThanInterpreter = rows.filter { $0.cel >= $0.luajitInterpreter }.map(\.name)
    print(slowerThanInterpreter.isEmpty ? "faster than the LuaJIT interpreter on every case"
        : "not faster than the LuaJIT interpreter on: \(slowerThanInterpreter.joined(separator: ", "))")
    print("geomean CEL/Swift: \(format(gmSwift, 2)) (goal: within 2x)")
} catch {
    FileHandle.standardError.write(Data("bench-compare: \(error)\n".utf8))
    exit(1)
}
