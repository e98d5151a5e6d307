import Testing
@testable import CEL

@Suite("Value equality and ordering")
struct ValueSemanticsTests {
    @Test func heterogeneousNumericEquality() {
        #expect(Value.int(1).celEquals(.uint(1)))
        #expect(Value.uint(1).celEquals(.double(1.0)))
        #expect(Value.double(1.0).celEquals(.int(1)))
        #expect(!Value.int(-1).celEquals(.uint(UInt64.max)))
        #expect(!Value.int(2).celEquals(.double(2.5)))
        #expect(!Value.double(.nan).celEquals(.double(.nan)))
        #expect(!Value.int(1).celEquals(.double(.nan)))
        #expect(Value.double(0.0).celEquals(.double(-0.0)))
        #expect(!Value.int(1).celEquals(.string("1")))
        #expect(!Value.null.celEquals(.bool(false)))
        #expect(Value.null.celEquals(.null))
    }

    @Test func stringsCompareByCodePoint() {
        // Canonically equivalent but different code points: unequal in CEL.
        #expect(!Value.string("Am\u{E9}lie").celEquals(.string("Ame\u{301}lie")))
        #expect(Value.string("ίδιο").celEquals(.string("ίδιο")))
        #expect(Value.string("a").compare(.string("b")) == .less)
        #expect(Value.string("a").compare(.string("AB")) == .greater)
        #expect(Value.string("").compare(.string("")) == .equal)
        #expect(Value.string("\u{E9}").compare(.string("e\u{301}")) == .greater)
    }

    @Test func collectionsDeepEquality() {
        #expect(Value.list([.int(1), .double(2)]).celEquals(.list([.uint(1), .int(2)])))
        #expect(!Value.list([.int(1), .int(2)]).celEquals(.list([.int(2), .int(1)])))
        var a = CELMap(), b = CELMap()
        a.insert(key: .string("a"), value: .int(1))
        a.insert(key: .int(2), value: .list([]))
        b.insert(key: .uint(2), value: .list([]))
        b.insert(key: .string("a"), value: .double(1))
        #expect(Value.map(a).celEquals(.map(b)))
        let replaced = b.update(key: .string("a"), value: .int(3))
        #expect(replaced)
        #expect(!Value.map(a).celEquals(.map(b)))
    }

    @Test func otherKinds() {
        #expect(Value.type(.list(.int)).celEquals(.type(.list(.dyn))))
        #expect(!Value.type(.int).celEquals(.type(.uint)))
        #expect(Value.optional(.none).celEquals(.optional(.none)))
        #expect(Value.optional(OptionalValue(.int(1))).celEquals(.optional(OptionalValue(.double(1)))))
        #expect(!Value.optional(OptionalValue(.int(1))).celEquals(.optional(.none)))
        #expect(Value.bytes([1, 2]).celEquals(.bytes([1, 2])))
        #expect(Value.timestamp(CELTimestamp(seconds: 5, nanos: 1)).celEquals(.timestamp(CELTimestamp(seconds: 5, nanos: 1))))
        #expect(!Value.error(CELError("x")).celEquals(.error(CELError("x"))))
    }

    @Test func crossNumericOrderingFollowsCelGo() {
        #expect(Value.int(1).compare(.uint(1)) == .equal)
        #expect(Value.int(-1).compare(.uint(0)) == .less)
        #expect(Value.uint(UInt64.max).compare(.int(Int64.max)) == .greater)
        // The conformance suite: int64 max compared with 2^63 goes through the double.
        #expect(Value.int(Int64.max).compare(.double(9223372036854775808.0)) == .equal)
        #expect(Value.int(Int64.max).compare(.double(9223372036854777857.0)) == .less)
        #expect(Value.int(Int64.min).compare(.double(-9223372036854777857.0)) == .greater)
        #expect(Value.uint(UInt64.max).compare(.double(-1)) == .greater)
        #expect(Value.uint(UInt64.max).compare(.double(18446744073709590000.0)) == .less)
        #expect(Value.double(18446744073709555712.0).compare(.uint(UInt64.max)) == .greater)
        #expect(Value.double(.nan).compare(.int(1)) == .unordered)
        #expect(Value.double(-0.0).compare(.double(0.0)) == .equal)
    }

    @Test func unorderableKinds() {
        #expect(Value.list([]).compare(.list([])) == nil)
        #expect(Value.null.compare(.null) == nil)
        #expect(Value.string("a").compare(.int(1)) == nil)
        #expect(Value.bool(false).compare(.bool(true)) == .less)
        #expect(Value.bytes([0xC3, 0xA1]).compare(.bytes([0x62])) == .greater)
        #expect(Value.bytes([1]).compare(.bytes([1, 0])) == .less)
        #expect(Value.duration(CELDuration(seconds: -1, nanos: 0)).compare(.duration(CELDuration(seconds: 0, nanos: -5))) == .less)
    }

    @Test func runtimeTypes() {
        #expect(Value.int(1).runtimeType == .int)
        #expect(Value.list([.int(1)]).runtimeType.runtimeName == "list")
        #expect(Value.null.runtimeType.runtimeName == "null_type")
        #expect(Value.type(.int).runtimeType.runtimeName == "type")
        #expect(Value.timestamp(CELTimestamp(seconds: 0, nanos: 0)).runtimeType.runtimeName == "google.protobuf.Timestamp")
        #expect(Value.duration(CELDuration(seconds: 0, nanos: 0)).runtimeType.runtimeName == "google.protobuf.Duration")
        #expect(Value.optional(.none).runtimeType.runtimeName == "optional_type")
        #expect(CELType.map(.string, .dyn).description == "map(string, dyn)")
        #expect(CELType.standardType(named: "google.protobuf.Duration") == .duration)
        #expect(Value.int(1).conforms(to: .typeParam("A")))
        #expect(Value.list([]).conforms(to: .list(.int)))
        #expect(!Value.uint(1).conforms(to: .int))
    }

    @Test func printing() {
        #expect(Value.uint(3).description == "3u")
        #expect(Value.double(1).description == "1.0")
        #expect(Value.string("a\"\n").description == "\"a\\\"\\n\"")
        #expect(Value.bytes([0, 0x41]).description == "b\"\\x00A\"")
        #expect(Value.list([.int(1), .null]).description == "[1, null]")
        #expect(Value.timestamp(CELTimestamp(seconds: 1_234_567_890, nanos: 500_000_000)).description
            == "timestamp(\"2009-02-13T23:31:30.500Z\")")
        #expect(Value.duration(CELDuration(seconds: -1, nanos: -500_000_000)).description == "duration(\"-1.5s\")")
        #expect(Value.optional(OptionalValue(.int(1))).description == "optional.of(1)")
    }

    @Test func goShortestDoubleFormatting() {
        let cases: [(Double, String)] = [
            (123.456, "123.456"), (-4.5e-3, "-0.0045"), (0, "0"), (-0.0, "-0"), (1, "1"),
            (100, "100"), (123456, "123456"), (1e6, "1e+06"), (1234567, "1.234567e+06"),
            (0.0001, "0.0001"), (0.00001, "1e-05"), (1e21, "1e+21"), (1.5e-7, "1.5e-07"),
            (.infinity, "+Inf"), (-.infinity, "-Inf"), (.nan, "NaN"), (.leastNonzeroMagnitude, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"), (9.223372036854776e18, "9.223372036854776e+18"),
        ]
        for (d, text) in cases {
            #expect(DoubleFormatting.goShortest(d) == text, "\(d)")
        }
    }
}
