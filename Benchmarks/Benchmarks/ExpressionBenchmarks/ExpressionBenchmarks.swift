import Benchmark
import BenchKit
import Foundation

/// package-benchmark suites for the twelve expression cases: each case with Hotload's
/// CEL, Lua 5.4 and the Swift floor, so `swift package benchmark` can track them over
/// time (wall clock, instructions, mallocs). `bench-compare` prints the ratio table.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal, .instructions],
                                           maxDuration: .seconds(1), maxIterations: 1_000_000)
    guard let data = try? BenchData.load(),
          let lua = try? LuaBaseline(inputJSON: data.inputJSON),
          let input = try? JSONDecoder().decode(BaselineInput.self, from: data.inputJSON) else {
        fatalError("shared/bench not found: set HOTLOAD_BENCH_DIR")
    }
    let closures = SwiftBaseline.closures()
    for benchCase in data.cases {
        guard let cel = try? CELCase(benchCase, inputJSON: data.inputJSON),
              let luaCall = try? lua.caller(for: benchCase.name),
              let closure = closures[benchCase.name] else { continue }
        Benchmark("cel/\(benchCase.name)") { benchmark in
            for _ in benchmark.scaledIterations { cel.run() }
        }
        Benchmark("lua/\(benchCase.name)") { benchmark in
            for _ in benchmark.scaledIterations { luaCall() }
        }
        Benchmark("swift/\(benchCase.name)") { benchmark in
            for _ in benchmark.scaledIterations { closure(opaque(input)) }
        }
    }
}
