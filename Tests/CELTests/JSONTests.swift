import Testing
@testable import CEL

private func decode(_ text: String, limits: Limits = .default) throws(JSONError) -> Value {
    try Value(json: Array(text.utf8), limits: limits)
}

private func decodeError(_ bytes: [UInt8], limits: Limits = .default) -> JSONError? {
    do throws(JSONError) {
        _ = try Value(json: bytes, limits: limits)
        return nil
    } catch {
        return error
    }
}

private func decodeError(_ text: String, limits: Limits = .default) -> JSONError? {
    decodeError(Array(text.utf8), limits: limits)
}

/// Type and value equal (ints stay ints, doubles doubles), NaN aside.
private func identical(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.list(let x), .list(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { identical($0, $1) }
    case (.map(let x), .map(let y)):
        guard x.count == y.count else { return false }
        for i in 0..<x.count {
            guard let v = y[x.keys[i]], identical(x.values[i], v) else { return false }
        }
        return true
    case (.double(let x), .double(let y)):
        return x.bitPattern == y.bitPattern
    default:
        return a.runtimeType == b.runtimeType && a.celEquals(b)
    }
}

@Suite("JSON mapping")
struct JSONTests {
    @Test func numbersMapToIntOrDouble() throws {
        #expect(identical(try decode("42"), .int(42)))
        #expect(identical(try decode("-9223372036854775808"), .int(.min)))
        #expect(identical(try decode("9223372036854775808"), .double(9223372036854775808.0)))
        #expect(identical(try decode("1.0"), .double(1)))
        #expect(identical(try decode("1e2"), .double(100)))
        #expect(identical(try decode("-0"), .int(0)))
        #expect(identical(try decode("-0.0"), .double(-0.0)))
        #expect(identical(try decode("0.1"), .double(0.1)))
        #expect(identical(try decode("123456789012345678901234567890"), .double(1.2345678901234568e29)))
        #expect(decodeError("1e400")?.message.contains("range") == true)
        #expect(decodeError("-1e400") != nil)
        for bad in ["01", "1.", ".5", "+1", "1e", "1e+", "-", "0x10", "NaN", "Infinity", "1.5e3.2"] {
            #expect(decodeError(bad) != nil, "\(bad)")
        }
    }

    @Test func structures() throws {
        let v = try decode(#" { "a" : [1, 2.5, "x", true, false, null], "b": {}, "c": [] } "#)
        guard case .map(let m) = v else { Issue.record("not a map"); return }
        #expect(m.keys.map(\.description) == ["\"a\"", "\"b\"", "\"c\""])
        #expect(identical(m[string: "a"] ?? .null, .list([.int(1), .double(2.5), .string("x"), .bool(true), .bool(false), .null])))
        #expect(identical(m[string: "b"] ?? .null, .map(CELMap())))
    }

    @Test func strings() throws {
        #expect(identical(try decode(#""a\"\\\/\b\f\n\r\t""#), .string("a\"\\/\u{8}\u{C}\n\r\t")))
        #expect(identical(try decode(#""\u00e9\u20AC\ud83d\udc31""#), .string("é€🐱")))
        #expect(identical(try decode("\"é€🐱\""), .string("é€🐱")))
        #expect(decodeError(#""\ud83d""#)?.message.contains("surrogate") == true)
        #expect(decodeError(#""\udc31x""#)?.message.contains("surrogate") == true)
        #expect(decodeError(#""\ud83d\u0041""#) != nil)
        #expect(decodeError(#""\x41""#) != nil)
        #expect(decodeError(#""\u12""#) != nil)
        #expect(decodeError("\"a\nb\"") != nil)
        #expect(decodeError("\"abc") != nil)
    }

    @Test func invalidUTF8IsReportedWithOffset() {
        let cases: [[UInt8]] = [
            [0x22, 0xFF, 0x22],                    // invalid byte
            [0x22, 0xC0, 0xAF, 0x22],              // overlong
            [0x22, 0xED, 0xA0, 0x80, 0x22],        // encoded surrogate
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // beyond U+10FFFF
            [0x22, 0xE2, 0x82, 0x22],              // truncated
            [0x22, 0x41, 0xE2],                    // truncated at end
        ]
        for bytes in cases {
            let e = decodeError(bytes)
            #expect(e?.message == "invalid UTF-8" || e?.message == "unterminated string", "\(bytes)")
            #expect(e?.offset != nil)
        }
        #expect(decodeError([0x22, 0x41, 0xFF, 0x22])?.offset == 2)
    }

    @Test func structuralErrors() {
        let cases = ["", " ", "[", "[1,]", "[1 2]", "{", #"{"a"}"#, #"{"a":}"#, #"{"a":1,}"#, "{1:2}",
                     "nul", "truex", "[1]x", "1 2", "\u{FEFF}1", #"{"a":1,"a":2}"#, "]", "[}"]
        for text in cases {
            #expect(decodeError(text) != nil, "\(text)")
        }
        #expect(decodeError("[1]x")?.offset == 3)
        #expect(decodeError(#"{"a":1,"a":2}"#)?.message.contains("duplicate") == true)
    }

    @Test func limitsAreEnforced() throws {
        var limits = Limits()
        limits.maxJSONDepth = 3
        #expect(throws: Never.self) { try decode("[[[1]]]", limits: limits) }
        #expect(decodeError("[[[[1]]]]", limits: limits)?.message.contains("nesting") == true)
        #expect(decodeError(#"{"a":{"b":{"c":{}}}}"#, limits: limits) != nil)
        // The default limit, and a deep document that would overflow a recursive parser.
        let deep = String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
        #expect(decodeError(deep) != nil)
        var huge = Limits()
        huge.maxJSONDepth = 1_000_000
        // Deeper than the parser's absolute cap: refused whatever the limit says.
        #expect(decodeError(deep, limits: huge)?.message.contains("nesting") == true)
        let fine = String(repeating: "[", count: 1_000) + String(repeating: "]", count: 1_000)
        let deepest = try decode(fine, limits: huge)
        // Values this deep are still compared, printed, encoded and freed without trouble.
        #expect(deepest.celEquals(try decode(fine, limits: huge)))
        #expect(deepest.description.utf8.count == 2_000)
        #expect(try deepest.json(maxDepth: 1_000) == fine)
        limits = Limits()
        limits.maxCollectionSize = 2
        limits.maxStringBytes = 3
        #expect(decodeError("[1,2,3]", limits: limits) != nil)
        #expect(decodeError(#"{"a":1,"b":2,"c":3}"#, limits: limits) != nil)
        #expect(decodeError(#""abcd""#, limits: limits) != nil)
        #expect(decodeError(#""ab\ncd""#, limits: limits) != nil)
    }

    @Test func encoding() throws {
        var m = CELMap()
        m.insert(key: .string("s"), value: .string("a\"\\\n\u{1}é"))
        m.insert(key: .string("n"), value: .list([.int(-1), .uint(2), .double(1), .double(0.1), .double(1e20), .double(-0.0)]))
        m.insert(key: .string("x"), value: .list([.double(.nan), .double(.infinity), .double(-.infinity)]))
        m.insert(key: .string("b"), value: .bytes([0xFF, 0x00, 0x41, 0x42]))
        m.insert(key: .string("t"), value: .timestamp(CELTimestamp(seconds: 1_234_567_890, nanos: 120_000_000)))
        m.insert(key: .string("d"), value: .duration(CELDuration(seconds: 1, nanos: 500_000_000)))
        m.insert(key: .string("o"), value: .list([.optional(OptionalValue(.int(1))), .optional(.none), .null, .type(.int)]))
        let text = try Value.map(m).json()
        #expect(text == #"{"s":"a\"\\\n\u0001é","n":[-1,2,1.0,0.1,1e+20,-0.0],"x":["NaN","Infinity","-Infinity"],"b":"/wBBQg==","t":"2009-02-13T23:31:30.120Z","d":"1.5s","o":[1,null,null,"int"]}"#)
    }

    @Test func prettyPrinting() throws {
        var m = CELMap()
        m.insert(key: .string("a"), value: .list([.int(1), .list([])]))
        m.insert(key: .string("b"), value: .map(CELMap()))
        #expect(try Value.map(m).json(pretty: true) == "{\n  \"a\": [\n    1,\n    []\n  ],\n  \"b\": {}\n}")
        #expect(try Value.list([]).json(pretty: true) == "[]")
    }

    @Test func encodingRefusals() {
        #expect(throws: JSONError.self) { try Value.error(CELError("boom")).json() }
        #expect(throws: JSONError.self) { try Value.list([.int(1), .error(CELError("boom"))]).json() }
        var m = CELMap()
        m.insert(key: .int(1), value: .string("a"))
        m.insert(key: .string("1"), value: .string("b"))
        #expect(throws: JSONError.self) { try Value.map(m).json() }
        var n = CELMap()
        n.insert(key: .int(1), value: .bool(true))
        n.insert(key: .bool(false), value: .uint(3))
        #expect((try? Value.map(n).json()) == #"{"1":true,"false":3}"#)
        var nested = Value.list([])
        for _ in 0..<50 { nested = .list([nested]) }
        #expect(throws: JSONError.self) { try nested.json(maxDepth: 10) }
    }

    @Test func timestampAndDurationText() throws {
        #expect(try Value.timestamp(CELTimestamp(seconds: -62_135_596_800, nanos: 0)).json() == #""0001-01-01T00:00:00Z""#)
        #expect(try Value.timestamp(CELTimestamp(seconds: 253_402_300_799, nanos: 999_999_999)).json() == #""9999-12-31T23:59:59.999999999Z""#)
        #expect(try Value.timestamp(CELTimestamp(seconds: 951_782_400, nanos: 1_000)).json() == #""2000-02-29T00:00:00.000001Z""#)
        #expect(try Value.duration(CELDuration(seconds: 0, nanos: -1)).json() == #""-0.000000001s""#)
        #expect(try Value.duration(CELDuration(seconds: 0, nanos: 0)).json() == #""0s""#)
    }

    @Test func roundTrips() throws {
        let documents = [
            #"{"a":[1,-2,3.5,-0.0,1e+300,5e-324],"b":{"c":null,"d":true,"e":"\u0000\u001f ☃ 🐱"},"f":[]}"#,
            #"[9223372036854775807,-9223372036854775808,9.223372036854776e+18,0.1,100.0]"#,
            #""""#, "0", "[[[]]]", "{}",
        ]
        for text in documents {
            let value = try decode(text)
            let again = try value.json()
            #expect(identical(try decode(again), value), "\(text)")
            #expect(try decode(again).json() == again)
        }
        #expect(try decode(#"{"k": 1.50, "e": 1E2}"#).json() == #"{"k":1.5,"e":100.0}"#)
    }
}
