import Foundation
import Testing
import CEL

/// Random and mutated sources must parse or fail with diagnostics — never trap, hang or
/// overflow the stack. Set `HOTLOAD_FUZZ_ITERATIONS` (e.g. 1000000) and
/// `HOTLOAD_FUZZ_SEED` for a longer session:
/// `HOTLOAD_FUZZ_ITERATIONS=1000000 swift test --filter ParserFuzz`.
@Suite("ParserFuzz")
struct ParserFuzzTests {
    static var iterations: Int {
        ProcessInfo.processInfo.environment["HOTLOAD_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 4000
    }
    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["HOTLOAD_FUZZ_SEED"].flatMap(UInt64.init) ?? 0x5EED_CE1
    }

    static let fragments = [
        "a", "b", "x", "_y", ".", "(", ")", "[", "]", "{", "}", ",", ":", "?", "+", "-", "*", "/", "%",
        "!", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "in", "true", "false", "null", "0", "1", "42u",
        "0x7f", "1.5", "1e9", ".5", "-9223372036854775808", "9223372036854775808", "'s'", "\"t\"",
        "'''m\nl'''", "r'\\d'", "b'\\xff'", "'\\u00e9'", "'\\ud800'", "'\\", "'", "\"", "`f-g`", "`",
        "has", "all", "exists", "exists_one", "map", "filter", "cel", "bind", "optMap", "transformMap",
        "as", "let", "=", "&", "|", "#", "é", "🌍", "\u{0}", "\n", " ", "\t", "// c\n", "size", "f",
    ]

    @Test("random token soup never crashes the parser")
    func randomTokens() {
        var rng = ParserFuzzRandom(seed: Self.seed)
        for _ in 0..<Self.iterations {
            var text = ""
            let length = Int(rng.next() % 40)
            for _ in 0..<length {
                text += Self.fragments[Int(rng.next() % UInt64(Self.fragments.count))]
                if rng.next() % 3 == 0 { text += " " }
            }
            check(text)
        }
    }

    @Test("random Unicode and bytes never crash the lexer or parser")
    func randomCharacters() {
        var rng = ParserFuzzRandom(seed: Self.seed &+ 1)
        for _ in 0..<Self.iterations {
            var scalars = String.UnicodeScalarView()
            let length = Int(rng.next() % 30)
            for _ in 0..<length {
                let pick = rng.next() % 10
                let value: UInt32 = pick < 7 ? UInt32(rng.next() % 128) : UInt32(rng.next() % 0x11_0000)
                if let s = Unicode.Scalar(value) { scalars.append(s) }
            }
            check(String(scalars))
        }
    }

    @Test("mutated corpus expressions never crash the parser")
    func mutatedCorpus() throws {
        let dir = try #require(Bundle.module.resourceURL).appendingPathComponent("Data/conformance")
        var seeds: [String] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) where file.hasSuffix(".json") {
            let data = try Data(contentsOf: dir.appendingPathComponent(file))
            let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
            for section in root["sections"] as? [[String: Any]] ?? [] {
                for test in section["tests"] as? [[String: Any]] ?? [] {
                    if let e = test["expr"] as? String { seeds.append(e) }
                }
            }
        }
        #expect(!seeds.isEmpty)
        var rng = ParserFuzzRandom(seed: Self.seed &+ 2)
        for _ in 0..<Self.iterations {
            var chars = Array(seeds[Int(rng.next() % UInt64(seeds.count))])
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let position = chars.isEmpty ? 0 : Int(rng.next() % UInt64(chars.count))
                switch rng.next() % 4 {
                case 0 where !chars.isEmpty: chars.remove(at: position)
                case 1:
                    let fragment = Self.fragments[Int(rng.next() % UInt64(Self.fragments.count))]
                    chars.insert(contentsOf: fragment, at: position)
                case 2 where !chars.isEmpty:
                    let other = chars[Int(rng.next() % UInt64(chars.count))]
                    chars[position] = other
                default:
                    let cut = Int(rng.next() % UInt64(chars.count + 1))
                    chars = Array(chars[..<cut])
                }
            }
            check(String(chars))
        }
    }

    /// Parses; on failure every diagnostic must be well-formed and point into the source.
    private func check(_ text: String) {
        let source = Source(text: text)
        do {
            let parsed = try CELParser.parse(source)
            let ids = allIDs(parsed.expr)
            #expect(Set(ids).count == ids.count, "duplicate ids for \(text.debugDescription)")
        } catch {
            #expect(!error.diagnostics.isEmpty, "no diagnostics for \(text.debugDescription)")
            for d in error.diagnostics {
                #expect(d.code.hasPrefix("E1") || d.code.hasPrefix("E4"), "\(d.code) for \(text.debugDescription)")
                #expect(d.location.offset <= source.utf8.count)
            }
        }
    }
}

/// A small deterministic generator so failures can be replayed from the seed.
private struct ParserFuzzRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
