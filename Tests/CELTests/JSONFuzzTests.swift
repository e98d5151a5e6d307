import Testing
@testable import CEL

/// A small deterministic generator (SplitMix64) so failures reproduce from the seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private let seeds: [String] = [
    #"{"a":[1,-2,3.5e10,true,false,null],"b":{"c":"d\u00e9\ud83d\udc31\n"},"e":[]}"#,
    #"[0,-0,1.5,-1e-7,9223372036854775807,-9223372036854775808,18446744073709551616]"#,
    #""caf\u00e9 \\ \" \/ \b\f\n\r\t é€🐱""#,
    #"{"nested":{"deeper":{"deepest":[[[[{"x":1}]]]]}}}"#,
    "  [ 1 , \"two\" , { \"three\" : 3.0 } ]  ",
    "true", "null", "-12.5E+3",
]

private let interesting: [UInt8] = Array(#"{}[],:"\/-+.eE0123456789tfnuabrx "#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xF0, 0xF4, 0xF8, 0xFF]

/// Mutates a document: byte flips, insertions, deletions, duplicated slices, truncation.
private func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
    var bytes = input
    for _ in 0..<Int.random(in: 1...4, using: &rng) {
        let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
        switch Int.random(in: 0..<6, using: &rng) {
        case 0 where !bytes.isEmpty: bytes[position] = UInt8.random(in: 0...255, using: &rng)
        case 1: bytes.insert(interesting.randomElement(using: &rng) ?? 0, at: position)
        case 2 where !bytes.isEmpty: bytes.remove(at: position)
        case 3 where !bytes.isEmpty:
            let end = min(bytes.count, position + Int.random(in: 1...16, using: &rng))
            bytes.insert(contentsOf: bytes[position..<end], at: position)
        case 4: bytes.removeSubrange(position...)
        default:
            let open = Bool.random(using: &rng) ? UInt8(ascii: "[") : UInt8(ascii: "{")
            bytes.insert(contentsOf: repeatElement(open, count: Int.random(in: 1...300, using: &rng)), at: position)
        }
    }
    return bytes
}

/// A random value of any kind, nested a few levels.
/// Large uints are left out when `uints` is false: they come back from JSON as doubles.
private func randomValue(_ rng: inout SplitMix64, depth: Int = 0, uints: Bool = true) -> Value {
    switch Int.random(in: 0..<(depth > 3 ? 9 : 11), using: &rng) {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &rng))
    case 2: return .int(Int64(bitPattern: rng.next()))
    case 3: return .uint(uints ? rng.next() : rng.next() >> 1)
    case 4: return .double(Double(bitPattern: rng.next()))
    case 5: return .string(String(decoding: (0..<Int.random(in: 0...8, using: &rng)).map { _ in interesting.randomElement(using: &rng) ?? 0 }, as: UTF8.self))
    case 6: return .bytes((0..<Int.random(in: 0...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
    case 7: return .timestamp(CELTimestamp(seconds: Int64.random(in: -62_135_596_800...253_402_300_799, using: &rng), nanos: Int32.random(in: 0..<1_000_000_000, using: &rng)))
    case 8: return .duration(CELDuration(seconds: Int64.random(in: 0...315_576_000_000, using: &rng), nanos: Int32.random(in: 0..<1_000_000_000, using: &rng)))
    case 9: return .list((0..<Int.random(in: 0...4, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1, uints: uints) })
    default:
        var m = CELMap()
        for _ in 0..<Int.random(in: 0...4, using: &rng) {
            let key: Value = Bool.random(using: &rng) ? .string(String(rng.next() % 1000)) : .int(Int64(rng.next() % 1000))
            m.insert(key: key, value: randomValue(&rng, depth: depth + 1, uints: uints))
        }
        return .map(m)
    }
}

@Suite("JSON fuzzing")
struct JSONFuzzTests {
    /// Thousands of mutated documents: decoding never traps; whatever decodes re-encodes,
    /// and the re-encoded text decodes to the same text again. For a longer session raise
    /// `HOTLOAD_FUZZ_ITERATIONS` (e.g. `HOTLOAD_FUZZ_ITERATIONS=1000000 swift test --filter JSONFuzz`).
    @Test func mutatedDocumentsNeverTrap() throws {
        var rng = SplitMix64(state: 0x5EED)
        var decoded = 0
        for i in 0..<fuzzIterations(default: 5_000) {
            let seed = Array(seeds[i % seeds.count].utf8)
            let input = mutate(seed, &rng)
            guard let value = try? Value(json: input) else { continue }
            decoded += 1
            let text = try value.json()
            let again = try Value(json: Array(text.utf8))
            #expect(try again.json() == text, "input \(input)")
        }
        #expect(decoded > 100)
    }

    /// Random values of every kind encode (or refuse cleanly) and their JSON decodes.
    @Test func randomValuesEncodeAndDecode() throws {
        var rng = SplitMix64(state: 0xC0FFEE)
        for _ in 0..<fuzzIterations(default: 3_000) {
            let uints = Bool.random(using: &rng)
            let value = randomValue(&rng, uints: uints)
            guard let text = try? value.json() else { continue }
            let back = try Value(json: Array(text.utf8))
            let again = try back.json()
            if !uints { #expect(again == text, "\(value)") }
            #expect(try Value(json: Array(again.utf8)).json() == again)
        }
    }

    @Test func randomBytesNeverTrap() {
        var rng = SplitMix64(state: 42)
        for _ in 0..<fuzzIterations(default: 3_000) {
            let bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in interesting.randomElement(using: &rng) ?? 0 }
            _ = try? Value(json: bytes)
        }
    }
}

func fuzzIterations(default count: Int) -> Int {
    guard let text = getenvString("HOTLOAD_FUZZ_ITERATIONS"), let n = Int(text), n > 0 else { return count }
    return n
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func getenvString(_ name: String) -> String? {
    guard let p = getenv(name) else { return nil }
    return String(cString: p)
}
