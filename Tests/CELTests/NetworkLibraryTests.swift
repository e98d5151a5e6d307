import CELConformance
import Foundation
import Testing
@testable import CEL

/// The network library (Kubernetes' `ip()` / `cidr()`): the data file
/// `Data/ext/network_ext.json` (conformance format, error messages checked), the strict
/// parser against hostile and random input, canonical text round trips, and costs.
@Suite("NetworkLibrary")
struct NetworkLibraryTests {
    @Test func dataFile() throws {
        let url = try #require(Bundle.module.url(forResource: "Data", withExtension: nil))
            .appendingPathComponent("ext").appendingPathComponent("network_ext.json")
        let bytes = try [UInt8](Data(contentsOf: url))
        #expect(!bytes.isEmpty, "network_ext.json is empty")
        let corpus = try ConformanceCorpus(name: "network_ext", json: bytes)
        #expect(corpus.tests.count >= 250, "network_ext.json has only \(corpus.tests.count) tests")
        let result = corpus.run(strictErrors: true)
        #expect(result.passed == corpus.tests.count)
        #expect(result.skipped == 0, "\(result.summary)")
        #expect(result.failed == 0, "\(result.summary)\n\(result.failures.map(\.description).joined(separator: "\n"))")
    }

    func ip(_ text: String) -> CELIP? { try? NetworkParser.ip(text) }

    func failure(_ text: String) -> String? {
        do {
            _ = try NetworkParser.ip(text)
            return nil
        } catch {
            return error.message
        }
    }

    // MARK: - Round trips

    /// Random addresses, biased towards runs of zero groups: the canonical text parses back
    /// to the same address and is the only canonical spelling; the fully written out,
    /// upper-case form parses to the same address and is not canonical (unless identical).
    @Test func canonicalTextRoundTrips() throws {
        var rng = SplitMix64(state: 0x1915)
        for _ in 0..<2_000 {
            var groups = (0..<8).map { _ in Bool.random(using: &rng) ? UInt16(0) : UInt16.random(in: 0...0xFFFF, using: &rng) }
            if groups[0..<6] == [0, 0, 0, 0, 0, 0xFFFF] { groups[5] = 1 }
            let full = groups.map { String($0, radix: 16, uppercase: true) }.joined(separator: ":")
            let parsed = try #require(ip(full), "\(full)")
            let text = parsed.canonicalText
            #expect(ip(text) == parsed, "\(full) -> \(text)")
            #expect(!text.contains(":::") && text.count <= 39, "\(text)")
            #expect(LibraryCall.same(NetworkLibraryTests.isCanonical(text), .bool(true)), "\(text)")
            #expect(LibraryCall.same(NetworkLibraryTests.isCanonical(full), .bool(full == text)), "\(full)")
        }
        for _ in 0..<2_000 {
            let v = UInt32.random(in: 0...UInt32.max, using: &rng)
            let text = Self.dotted(v)
            let parsed = try #require(ip(text))
            #expect(parsed.canonicalText == text && parsed.isIPv4)
        }
    }

    static let decls = NetworkLibrary.declarations(limits: .default)

    static func dotted(_ v: UInt32) -> String {
        [v >> 24, v >> 16 & 0xFF, v >> 8 & 0xFF, v & 0xFF].map { String($0) }.joined(separator: ".")
    }

    static func isCanonical(_ text: String) -> Value {
        LibraryCall.invoke(Self.decls, "ip_is_canonical", [.string(text)])
    }

    /// Every prefix length of both families masks and contains as the bit arithmetic says.
    @Test func maskingAtEveryLength() throws {
        let v6 = try CELCIDR(parsing: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128").address
        for bits in 0...128 {
            let masked = v6.masked(to: bits)
            let groups = (0..<8).map { g -> String in
                let ones = max(0, min(16, bits - 16 * g))
                return String(ones == 0 ? 0 : UInt16.max << UInt16(16 - ones), radix: 16)
            }
            let reparsed = try CELIP(parsing: groups.joined(separator: ":"))
            #expect(masked == reparsed, "/\(bits)")
            let cidr = try CELCIDR(parsing: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/\(bits)")
            #expect(cidr.contains(v6) && cidr.contains(cidr.masked) && cidr.masked.contains(cidr))
            #expect(cidr.masked.masked == cidr.masked && cidr.masked.prefixLength == bits)
        }
        let v4 = try CELIP(parsing: "255.255.255.255")
        for bits in 0...32 {
            let masked = v4.masked(to: bits)
            let value: UInt32 = bits == 0 ? 0 : UInt32.max << UInt32(32 - bits)
            let expected = Self.dotted(value)
            #expect(masked.canonicalText == expected)
        }
    }

    // MARK: - Hostile input

    /// Long and malformed inputs are refused in linear time with short messages: the input
    /// is quoted up to `NetworkParser.quotedLimit` bytes, so no message grows with it.
    @Test func hostileInputIsRefusedWithShortMessages() {
        let big = 1 << 20
        let inputs = [
            String(repeating: "1", count: big), String(repeating: ":", count: big),
            String(repeating: "1.", count: big / 2), "::" + String(repeating: "1:", count: big / 2),
            String(repeating: "f", count: big) + "::", "1.2.3." + String(repeating: "9", count: big),
            "fe80::1%" + String(repeating: "e", count: big), String(repeating: "%", count: big),
            String(repeating: "\u{1F600}", count: big / 4), String(repeating: "\u{0}", count: big),
            String(repeating: "1::", count: big / 3), "::" + String(repeating: "ffff:", count: 7) + "1.2.3.4",
        ]
        for input in inputs {
            let message = failure(input)
            #expect(message != nil, "\(input.prefix(20))... accepted")
            #expect((message?.utf8.count ?? 0) < 3 * (NetworkParser.quotedLimit * 10 + 200), "\(input.prefix(20))")
            let cidr = NetworkLibrary.parseCIDR(input + "/" + String(repeating: "9", count: 1_000))
            #expect((cidr.errorValue?.message.utf8.count ?? .max) < 6 * (NetworkParser.quotedLimit * 10 + 200))
        }
        #expect(failure(String(repeating: "1", count: 300))?.contains("\"...") == true)
    }

    /// Random edits of valid addresses never trap; what parses is printed canonically and
    /// parses back to the same address; `isIP` agrees with `ip`. More iterations:
    /// `HOTLOAD_FUZZ_ITERATIONS=1000000 swift test --filter NetworkLibrary`.
    @Test func mutatedInputNeverTraps() {
        let seeds = ["192.168.0.1", "2001:db8::68", "::", "::1.2.3.4", "fe80::1%eth0", "1:2:3:4:5:6:7:8",
                     "10.0.0.0/8", "::ffff:1.2.3.4", "0.0.0.0"]
        let alphabet = Array("0123456789abcdefABCDEFx:.%/ -+\u{e9}".unicodeScalars)
        var rng = SplitMix64(state: 0x1915)
        for _ in 0..<fuzzIterations(default: 5_000) {
            var scalars = Array(seeds.randomElement(using: &rng)!.unicodeScalars)
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let c = alphabet.randomElement(using: &rng)!
                switch Int.random(in: 0..<3, using: &rng) {
                case 0 where !scalars.isEmpty: scalars[Int.random(in: 0..<scalars.count, using: &rng)] = c
                case 1 where !scalars.isEmpty: scalars.remove(at: Int.random(in: 0..<scalars.count, using: &rng))
                default: scalars.insert(c, at: Int.random(in: 0...scalars.count, using: &rng))
                }
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            let parsed = ip(text)
            if let parsed {
                #expect(ip(parsed.canonicalText) == parsed, "\(text)")
            }
            #expect(LibraryCall.same(LibraryCall.invoke(Self.decls, "is_ip", [.string(text)]), .bool(parsed != nil)), "\(text)")
            let cidr = NetworkLibrary.parseCIDR(text)
            if case .cidr(let c) = cidr {
                #expect(LibraryCall.same(NetworkLibrary.parseCIDR(c.canonicalText), cidr), "\(text)")
            }
        }
    }

    /// Go's `strconv.Quote`, as the messages use it.
    @Test func quotingFollowsGo() {
        #expect(NetworkParser.quote("a\"b\\c".utf8) == #""a\"b\\c""#)
        #expect(NetworkParser.quote("\u{7}\u{8}\u{c}\n\r\t\u{b}".utf8) == #""\a\b\f\n\r\t\v""#)
        #expect(NetworkParser.quote("\u{0}\u{1f}\u{7f}".utf8) == #""\x00\x1f\x7f""#)
        #expect(NetworkParser.quote("\u{80}\u{a0}\u{ad}\u{200b}\u{2028}\u{e000}".utf8) == #""\u0080\u00a0\u00ad\u200b\u2028\ue000""#)
        #expect(NetworkParser.quote("\u{10ffff}\u{f0000}".utf8) == #""\U0010ffff\U000f0000""#)
        #expect(NetworkParser.quote("é 日本 \u{1F600} ~".utf8) == "\"é 日本 \u{1F600} ~\"")
        let long = String(repeating: "é", count: 200)
        #expect(NetworkParser.quote(long.utf8) == "\"" + String(repeating: "é", count: 128) + "\"...")
    }

    // MARK: - Costs and representation

    /// Parsing is charged by the length of the text: with a budget of 1,000 units, a
    /// 500-byte argument fits and a 2,000-byte one stops the evaluation.
    @Test func parsingIsChargedByLength() throws {
        var limits = Limits.default
        limits.maxCost = 1_000
        var env = Environment(limits: limits)
        env.declare(variable: "s", type: .string)
        env.declare(variable: "c", type: .cidr)
        let network = Value.cidr(try CELCIDR(parsing: "10.0.0.0/8"))
        for expr in ["isIP(s)", "isCIDR(s)", "ip.isCanonical(s)", "ip(s) == ip('::')", "cidr(s) == c",
                     "c.containsIP(s)", "c.containsCIDR(s)"] {
            let program = try env.compile(Source(text: expr))
            let short = program.evaluate(["s": .string(String(repeating: "1", count: 500)), "c": network])
            #expect(short.errorValue?.message.contains("Limits.maxCost") != true, "\(expr): \(short)")
            let long = program.evaluate(["s": .string(String(repeating: "1", count: 2_000)), "c": network])
            #expect(long.errorValue?.message.contains("Limits.maxCost") == true, "\(expr): \(long)")
        }
    }

    /// The new value kinds fit in the space `Value` already had (its largest payload is
    /// `CELError`), so adding them did not make every value larger.
    @Test func valuesStaySmall() {
        #expect(MemoryLayout<CELIP>.size <= MemoryLayout<CELError>.size)
        #expect(MemoryLayout<CELCIDR>.size <= MemoryLayout<CELError>.size)
        #expect(MemoryLayout<Value>.size <= MemoryLayout<CELError>.size + 1)
    }

    /// Values print in CEL syntax, go to JSON as their text, and the type names resolve.
    @Test func valuesDescribeAndEncode() throws {
        let list = Value.list([.ip(try CELIP(parsing: "2001:DB8::1")), .cidr(try CELCIDR(parsing: "10.0.0.1/8"))])
        #expect(list.description == #"[ip("2001:db8::1"), cidr("10.0.0.1/8")]"#)
        #expect(try list.json() == #"["2001:db8::1","10.0.0.1/8"]"#)
        #expect(CELType(parsing: "net.IP") == .ip && CELType(parsing: "net.CIDR") == .cidr)
        #expect(Value.ip(try CELIP(parsing: "::1")).runtimeType == .ip)
        #expect(throws: CELError.self) { try CELIP(parsing: "::ffff:1.2.3.4") }
    }
}
