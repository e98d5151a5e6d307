import CEL
import Foundation
import HotloadModules
import Synchronization
import TestSupport
import Testing

/// Mutated and generated module files must check and link or fail with diagnostics, and
/// every function of what links must answer random arguments with a value or an error
/// value — never a trap, a hang or a stack overflow. Everything runs on a thread with a
/// 512 KiB stack under a wall-clock guard. A longer session:
/// `HOTLOAD_FUZZ_ITERATIONS=100000 HOTLOAD_FUZZ_SEED=7 swift test --filter LinkerFuzz`.
/// Each test prints its seed first (to stderr, unbuffered), so that a crash is replayed
/// by running again with the printed `HOTLOAD_FUZZ_SEED` and `HOTLOAD_FUZZ_ITERATIONS`.
@Suite("LinkerFuzz")
struct LinkerFuzzTests {
    static var requestedIterations: Int? {
        ProcessInfo.processInfo.environment["HOTLOAD_FUZZ_ITERATIONS"].flatMap(Int.init)
    }
    static var iterations: Int { requestedIterations.map { max(1, $0 / 4) } ?? 1500 }
    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["HOTLOAD_FUZZ_SEED"].flatMap(UInt64.init) ?? 0xF00D
    }

    /// Writes the replay line of a fuzz test before it starts.
    static func announce(_ test: String) {
        let iterations = requestedIterations.map { " HOTLOAD_FUZZ_ITERATIONS=\($0)" } ?? ""
        let line = "\(test): replay with HOTLOAD_FUZZ_SEED=\(seed)\(iterations)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Pieces spliced into module files: declarations, keywords, operators, hostile literals.
    static let fragments = [
        "\nfn g(x) = x\n", "\nlet z = 1\n", "\nimport lib\n", "import a/b as c\n", "fn", "let", "import", "as",
        "(", ")", "[", "]", "{", "}", ",", "=", ".", "_", "x", "y", "lib.", "f(", "1 / 0", "9223372036854775807 + 1",
        "'s' * 3", "[1,2,3].map(i, i * i)", "x.all(i, i > 0)", "\"\\u00e9\"", "🌍", "\u{0}", "//", "\n", " ",
        "has(x.y)", "x[?0]", "optional.none()", "cel.bind(a, 1, a + a)", "timestamp('2024-01-01T00:00:00Z')",
        "'a'.matches('(a*)*b')", "size(x)", "-", "!", "?", ":", "&&", "||",
    ]

    /// Random argument values: scalars, nesting, hostile sizes.
    static func randomValue(_ rng: inout FuzzRandom, depth: Int = 0) -> Value {
        switch rng.next() % (depth > 3 ? 7 : 9) {
        case 0: return .int(Int64(bitPattern: rng.next()))
        case 1: return .int(Int64(rng.next() % 10))
        case 2: return .double(Double(bitPattern: rng.next()))
        case 3: return .string(String(repeating: "a", count: Int(rng.next() % 8)))
        case 4: return .bool(rng.next() % 2 == 0)
        case 5: return .null
        case 6: return .uint(rng.next())
        case 7: return .list((0..<Int(rng.next() % 5)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var map = CELMap()
            for key in ["total", "items", "x", "y", "qty"] where rng.next() % 2 == 0 {
                map.insert(key: .string(key), value: randomValue(&rng, depth: depth + 1))
            }
            return .map(map)
        }
    }

    @Test("mutated modules link or fail cleanly; what links answers random calls")
    func mutatedModules() async throws {
        Self.announce("LinkerFuzz.mutatedModules")
        let progress = Atomic<Int>(0)
        let linked = await onSmallStack(timeout: .seconds(120)) { Self.runMutated(progress) }
        #expect(linked != nil, "no answer within the wall-clock guard: stuck in iteration \(progress.load(ordering: .relaxed))")
        // The mutations are small: a fair share of them must still link and run.
        #expect(linked ?? 0 > 0)
    }

    /// The mutation loop; returns how many mutated sets linked.
    static func runMutated(_ progress: borrowing Atomic<Int>) -> Int {
        let base = [
            ModuleSource(name: "lib", text: """
            let limit = 10
            let _rates = {"a": 0.1, "b": 0.2}
            fn rate(k) = k in _rates ? _rates[k] : 0.0
            fn check(x) = x < limit
            """),
            ModuleSource(name: "app", text: """
            import lib
            fn total(o) = o.items.map(i, i.qty * i.price).exists(t, t > 100) ? o.total * 0.9 : o.total
            fn f(x, y) = lib.check(x) ? [x, y].filter(v, v != null) : {'x': x}
            fn g(o) = has(o.total) && lib.rate(o.y) > 0.0 ? string(o.total) + '!' : 'none'
            """),
        ]
        var rng = FuzzRandom(seed: Self.seed)
        var linked = 0
        for iteration in 0..<Self.iterations {
            progress.store(iteration, ordering: .relaxed)
            var sources = base
            let target = Int(rng.next() % UInt64(sources.count))
            sources[target].text = Self.mutate(sources[target].text, &rng)
            guard let snapshot = try? Linker().link(sources) else { continue }
            linked += 1
            for name in snapshot.moduleNames {
                guard let module = snapshot.modules[name] else { continue }
                for (function, arity) in module.exportedFunctions {
                    let args = (0..<arity).map { _ in Self.randomValue(&rng) }
                    _ = try? snapshot.call(module: name, function: function, args: args)
                }
            }
        }
        return linked
    }

    /// What the generated-modules loop saw.
    struct Findings: Sendable {
        var linked = 0
        var tooDeep = 0
        var problems: [String] = []
    }

    @Test("generated module sets check, link, relink and answer calls; relink agrees with a full link")
    func generatedModules() async throws {
        Self.announce("LinkerFuzz.generatedModules")
        let progress = Atomic<Int>(0)
        let result = await onSmallStack(timeout: .seconds(120)) { Self.runGenerated(progress) }
        let findings = try #require(result, "no answer within the wall-clock guard: stuck in iteration \(progress.load(ordering: .relaxed))")
        #expect(findings.problems.isEmpty)
        // The generator must reach both outcomes, and the call-depth limit.
        #expect(findings.linked > 0)
        #expect(findings.tooDeep > 0)
    }

    /// The generation loop: an eighth as many iterations as the mutation loop.
    static func runGenerated(_ progress: borrowing Atomic<Int>) -> Findings {
        var generator = ModuleGenerator(rng: FuzzRandom(seed: Self.seed))
        var findings = Findings()
        func headlines(_ body: () throws(CompileError) -> Snapshot) -> (Snapshot?, [String]) {
            do throws(CompileError) {
                return (try body(), [])
            } catch {
                return (nil, error.diagnostics.map(\.headline))
            }
        }
        for iteration in 0..<max(1, Self.iterations / 8) {
            progress.store(iteration, ordering: .relaxed)
            let started = ContinuousClock.now
            let limits = generator.limits()
            var sources = generator.modules()
            if generator.rng.next() % 3 == 0 {
                let target = Int(generator.rng.next() % UInt64(sources.count))
                sources[target].text = Self.mutate(sources[target].text, &generator.rng)
            }
            for source in sources { _ = ModuleParser.parse(source, limits: limits) }
            let linker = Linker(limits: limits)
            let (snapshot, diagnostics) = headlines { () throws(CompileError) in try linker.link(sources) }
            findings.tooDeep += diagnostics.filter { $0.contains("error[\(CELErrorCode.callsTooDeep)]") }.count
            if let snapshot {
                findings.linked += 1
                for name in snapshot.moduleNames {
                    for (function, arity) in snapshot.modules[name]?.exportedFunctions ?? [] {
                        let args = (0..<arity).map { _ in Self.randomValue(&generator.rng) }
                        _ = try? snapshot.call(module: name, function: function, args: args)
                    }
                }
                // Change one module: relinking over the snapshot must give what a full link gives.
                let target = Int(generator.rng.next() % UInt64(sources.count))
                var changed = sources[target]
                changed.text = Self.mutate(changed.text, &generator.rng)
                var all = sources
                all[target] = changed
                let relinked = headlines { () throws(CompileError) in try linker.relink(snapshot, changed: [changed], removed: []) }
                let full = headlines { () throws(CompileError) in try linker.link(all) }
                if relinked.1 != full.1 || (relinked.0 == nil) != (full.0 == nil) {
                    findings.problems.append("iteration \(iteration): relink gave \(relinked.1), a full link \(full.1)")
                }
            }
            let elapsed = ContinuousClock.now - started
            if elapsed > .seconds(5) {
                findings.problems.append("iteration \(iteration) took \(elapsed)")
            }
        }
        return findings
    }

    static func mutate(_ text: String, _ rng: inout FuzzRandom) -> String {
        var scalars = Array(text.unicodeScalars)
        for _ in 0..<(1 + Int(rng.next() % 3)) {
            let at = scalars.isEmpty ? 0 : Int(rng.next() % UInt64(scalars.count))
            switch rng.next() % 3 {
            case 0 where !scalars.isEmpty:
                let length = min(scalars.count - at, 1 + Int(rng.next() % 6))
                scalars.removeSubrange(at..<(at + length))
            case 1:
                let fragment = Self.fragments[Int(rng.next() % UInt64(Self.fragments.count))]
                scalars.insert(contentsOf: fragment.unicodeScalars, at: at)
            default:
                if scalars.count > 1 {
                    let other = Int(rng.next() % UInt64(scalars.count))
                    scalars.swapAt(at, other)
                }
            }
        }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars)
        return String(result)
    }
}

/// SplitMix64: small, fast and reproducible from a seed.
struct FuzzRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
