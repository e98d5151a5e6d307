import CEL
import Foundation
import HotloadModules
import Testing

/// Mutated module files must link or fail with diagnostics, and every function of what
/// links must answer random arguments with a value or an error value — never a trap, a
/// hang or a stack overflow. A longer session:
/// `HOTLOAD_FUZZ_ITERATIONS=100000 HOTLOAD_FUZZ_SEED=7 swift test --filter LinkerFuzz`.
@Suite("LinkerFuzz")
struct LinkerFuzzTests {
    static var iterations: Int {
        ProcessInfo.processInfo.environment["HOTLOAD_FUZZ_ITERATIONS"].flatMap(Int.init).map { max(1, $0 / 4) } ?? 1500
    }
    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["HOTLOAD_FUZZ_SEED"].flatMap(UInt64.init) ?? 0xF00D
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
    func mutatedModules() throws {
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
        for _ in 0..<Self.iterations {
            var sources = base
            let target = Int(rng.next() % UInt64(sources.count))
            sources[target].text = mutate(sources[target].text, &rng)
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
        // The mutations are small: a fair share of them must still link and run.
        #expect(linked > 0)
    }

    private func mutate(_ text: String, _ rng: inout FuzzRandom) -> String {
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
