// bench-compare: the twelve cases of shared/bench measured in one run with Hotload's
// CEL, Lua 5.4 and hand-written Swift closures, printed as a table of ratios.
//
//   swift run -c release bench-compare [--cases NAME,NAME] [--markdown]
import BenchKit
import Foundation

func geometricMean(_ xs: [Double]) -> Double {
    xs.isEmpty ? 0 : exp(xs.map { log($0) }.reduce(0, +) / Double(xs.count))
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
    let input = try JSONDecoder().decode(BaselineInput.self, from: data.inputJSON)
    let swiftClosures = SwiftBaseline.closures()

    var rows: [(name: String, cel: Double, lua: Double, swift: Double)] = []
    for benchCase in data.cases where only?.contains(benchCase.name) ?? true {
        let cel = try CELCase(benchCase, inputJSON: data.inputJSON)
        let luaCall = try lua.caller(for: benchCase.name)
        guard let closure = swiftClosures[benchCase.name] else { throw BenchError("no Swift closure for \(benchCase.name)") }
        // The Swift closure gets its input through `opaque`, so that work on the unchanging
        // input cannot be hoisted out of the loop.
        let times = interleavedMedianNanoseconds([{ cel.run() }, { luaCall() }, { closure(opaque(input)) }])
        let (celNs, luaNs, swiftNs) = (times[0], times[1], times[2])
        rows.append((benchCase.name, celNs, luaNs, swiftNs))
        FileHandle.standardError.write(Data("\(benchCase.name): cel \(format(celNs)) ns, lua \(format(luaNs)) ns, swift \(format(swiftNs)) ns\n".utf8))
    }

    let header = ["case", "CEL ns", "Lua ns", "Swift ns", "CEL/Lua", "CEL/Swift"]
    var table = rows.map { r in
        [r.name, format(r.cel), format(r.lua), format(r.swift), format(r.cel / r.lua, 2), format(r.cel / r.swift, 2)]
    }
    let gmLua = geometricMean(rows.map { $0.cel / $0.lua })
    let gmSwift = geometricMean(rows.map { $0.cel / $0.swift })
    table.append(["geomean", "", "", "", format(gmLua, 2), format(gmSwift, 2)])
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
    print(slower.isEmpty ? "faster than Lua 5.4 on every case" : "not faster than Lua on: \(slower.joined(separator: ", "))")
    print("geomean CEL/Swift: \(format(gmSwift, 2)) (goal: within 2x)")
} catch {
    FileHandle.standardError.write(Data("bench-compare: \(error)\n".utf8))
    exit(1)
}
