import Testing
@testable import CEL

/// SplitMix64, so a failure reproduces from its seed.
private struct Generator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private let edgeInts: [Int64] = [0, 1, -1, 2, -2, 7, .max, .min, .max - 1, .min + 1, 1 << 32, -(1 << 53)]
private let edgeUInts: [UInt64] = [0, 1, 2, .max, .max - 1, 1 << 63, UInt64(Int64.max)]
private let edgeDoubles: [Double] = [0, -0.0, 1, -1, 0.5, -2.5, .nan, .infinity, -.infinity, 9.223372036854775807e18,
                                     -9.223372036854775808e18, 1.8446744073709551615e19, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1e300]
private let edgeStrings: [String] = ["", "a", "hello", "é", "e\u{301}", "🐱", "1", "-1", "1.5", "true", "NaN", "1e400",
                                     "9223372036854775808", "\u{0}", "2009-02-13T23:31:30Z", "1.5s", "UTC", "%d %s", "a.b.c"]

private func value(_ g: inout Generator, depth: Int = 0) -> Value {
    switch Int.random(in: 0..<(depth > 1 ? 11 : 14), using: &g) {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &g))
    case 2: return .int(edgeInts.randomElement(using: &g) ?? 0)
    case 3: return .uint(edgeUInts.randomElement(using: &g) ?? 0)
    case 4: return .double(edgeDoubles.randomElement(using: &g) ?? 0)
    case 5: return .string(edgeStrings.randomElement(using: &g) ?? "")
    case 6: return .bytes([0xFF, 0x00, 0x41].shuffled(using: &g))
    case 7: return .timestamp(CELTimestamp(seconds: Int64.random(in: -62_135_596_800...253_402_300_799, using: &g), nanos: 0))
    case 8: return .duration(CELDuration(seconds: Int64.random(in: -1_000_000...1_000_000, using: &g), nanos: 0))
    case 9: return .type([CELType.int, .string, .list(.dyn)].randomElement(using: &g) ?? .int)
    case 10: return Bool.random(using: &g) ? .error(CELError("boom")) : .optional(.none)
    case 11: return .list((0..<Int.random(in: 0...3, using: &g)).map { _ in value(&g, depth: depth + 1) })
    case 12: return .optional(OptionalValue(value(&g, depth: depth + 1)))
    default:
        var m = CELMap()
        for _ in 0..<Int.random(in: 0...3, using: &g) { m.insert(key: value(&g, depth: 2), value: value(&g, depth: depth + 1)) }
        return .map(m)
    }
}

@Suite("Library robustness")
struct LibraryCoreFuzzTests {
    /// Every overload of every library function, called with random and extreme arguments of
    /// any kind (as dynamic dispatch or a host could): an error value is fine, a trap is not.
    @Test func overloadsNeverTrapOnAnyArguments() {
        var g = Generator(state: 0xCE1)
        var limits = Limits()
        limits.maxStringBytes = 1 << 12
        limits.maxCollectionSize = 1 << 10
        let overloads = StandardLibrary.declarations(limits: limits).flatMap(\.overloads)
        var calls = 0
        for _ in 0..<12 {
            for overload in overloads {
                let args = overload.params.map { _ in value(&g) }
                let result: Value
                switch overload.implementation {
                case .unary(let f) where args.count == 1: result = f(args[0])
                case .binary(let f) where args.count == 2: result = f(args[0], args[1])
                case .ternary(let f) where args.count == 3: result = f(args[0], args[1], args[2])
                case .variadic(let f): result = f(args)
                default:
                    Issue.record("overload \(overload.id) has \(args.count) params but another arity")
                    continue
                }
                _ = result.description
                calls += 1
            }
        }
        #expect(calls > 1000)
    }
}
