import Foundation
import Testing
@testable import CEL

@Suite("StringsExtension")
struct StringsExtensionTests {
    static let decls = StringsExtension.declarations(limits: .default)
    func call(_ id: String, _ args: Value...) -> Value { LibraryCall.invoke(Self.decls, id, args) }
    func str(_ s: String) -> Value { .string(s) }

    /// (overload id, arguments, expected value or nil for an error)
    typealias Row = (String, [Value], Value?)

    static let rows: [Row] = [
        // charAt
        ("string_char_at_int", [.string("tacocat"), .int(3)], .string("o")),
        ("string_char_at_int", [.string("tacocat"), .int(7)], .string("")),
        ("string_char_at_int", [.string("©αT"), .int(1)], .string("α")),
        ("string_char_at_int", [.string("tacocat"), .int(30)], nil),
        ("string_char_at_int", [.string("tacocat"), .int(-1)], nil),
        // indexOf
        ("string_index_of_string", [.string("tacocat"), .string("")], .int(0)),
        ("string_index_of_string", [.string("tacocat"), .string("ac")], .int(1)),
        ("string_index_of_string", [.string("tacocat"), .string("none")], .int(-1)),
        ("string_index_of_string_int", [.string("tacocat"), .string(""), .int(3)], .int(3)),
        ("string_index_of_string_int", [.string("tacocat"), .string("a"), .int(3)], .int(5)),
        ("string_index_of_string_int", [.string("tacocat"), .string("at"), .int(3)], .int(5)),
        ("string_index_of_string", [.string("ta©o©αT"), .string("©")], .int(2)),
        ("string_index_of_string_int", [.string("ta©o©αT"), .string("©"), .int(3)], .int(4)),
        ("string_index_of_string_int", [.string("ta©o©αT"), .string("©αT"), .int(3)], .int(4)),
        ("string_index_of_string_int", [.string("ta©o©αT"), .string("©α"), .int(5)], .int(-1)),
        ("string_index_of_string", [.string("ijk"), .string("k")], .int(2)),
        ("string_index_of_string", [.string("hello wello"), .string("hello wello")], .int(0)),
        ("string_index_of_string_int", [.string("hello wello"), .string("ello"), .int(6)], .int(7)),
        ("string_index_of_string", [.string("hello wello"), .string("elbo room!!")], .int(-1)),
        ("string_index_of_string", [.string(""), .string("a")], .int(-1)),
        ("string_index_of_string_int", [.string("tacocat"), .string("a"), .int(30)], nil),
        ("string_index_of_string_int", [.string("tacocat"), .string("a"), .int(-1)], nil),
        // lastIndexOf
        ("string_last_index_of_string", [.string(""), .string("@@")], .int(-1)),
        ("string_last_index_of_string", [.string("tacocat"), .string("")], .int(7)),
        ("string_last_index_of_string", [.string("tacocat"), .string("at")], .int(5)),
        ("string_last_index_of_string", [.string("tacocat"), .string("none")], .int(-1)),
        ("string_last_index_of_string_int", [.string("tacocat"), .string(""), .int(3)], .int(3)),
        ("string_last_index_of_string_int", [.string("tacocat"), .string("a"), .int(3)], .int(1)),
        ("string_last_index_of_string", [.string("ta©o©αT"), .string("©")], .int(4)),
        ("string_last_index_of_string_int", [.string("ta©o©αT"), .string("©"), .int(3)], .int(2)),
        ("string_last_index_of_string_int", [.string("ta©o©αT"), .string("©α"), .int(4)], .int(4)),
        ("string_last_index_of_string_int", [.string("hello wello"), .string("ello"), .int(6)], .int(1)),
        ("string_last_index_of_string", [.string("hello wello"), .string("low")], .int(-1)),
        ("string_last_index_of_string", [.string("hello wello"), .string("hello wello")], .int(0)),
        ("string_last_index_of_string_int", [.string("bananananana"), .string("nana"), .int(7)], .int(6)),
        ("string_last_index_of_string_int", [.string("tacocat"), .string("a"), .int(-1)], nil),
        ("string_last_index_of_string_int", [.string("tacocat"), .string("a"), .int(30)], nil),
        // ASCII casing
        ("string_lower_ascii", [.string("TacoCat")], .string("tacocat")),
        ("string_lower_ascii", [.string("TacoCÆt Xii")], .string("tacocÆt xii")),
        ("string_upper_ascii", [.string("tacoCat")], .string("TACOCAT")),
        ("string_upper_ascii", [.string("tacoCαt")], .string("TACOCαT")),
        // replace
        ("string_replace_string_string", [.string("12 days 12 hours"), .string("{0}"), .string("2")],
         .string("12 days 12 hours")),
        ("string_replace_string_string", [.string("{0} days {0} hours"), .string("{0}"), .string("2")],
         .string("2 days 2 hours")),
        ("string_replace_string_string_int", [.string("{0} days {0} hours"), .string("{0}"), .string("2"), .int(1)],
         .string("2 days {0} hours")),
        ("string_replace_string_string_int", [.string("aaa"), .string("a"), .string("b"), .int(0)], .string("aaa")),
        ("string_replace_string_string_int", [.string("aaa"), .string("a"), .string("b"), .int(-1)], .string("bbb")),
        ("string_replace_string_string", [.string("1 ©αT taco"), .string("αT"), .string("o©α")], .string("1 ©o©α taco")),
        ("string_replace_string_string", [.string("abc"), .string(""), .string("-")], .string("-a-b-c-")),
        ("string_replace_string_string_int", [.string("a©c"), .string(""), .string("-"), .int(2)], .string("-a-©c")),
        ("string_replace_string_string", [.string("aaaa"), .string("aa"), .string("b")], .string("bb")),
        // split
        ("string_split_string", [.string("hello world"), .string(" ")], .list([.string("hello"), .string("world")])),
        ("string_split_string_int", [.string("hello world events!"), .string(" "), .int(0)], .list([])),
        ("string_split_string_int", [.string("hello world events!"), .string(" "), .int(1)],
         .list([.string("hello world events!")])),
        ("string_split_string_int", [.string("hello world events!"), .string(" "), .int(2)],
         .list([.string("hello"), .string("world events!")])),
        ("string_split_string_int", [.string("o©o©o©o"), .string("©"), .int(-1)],
         .list([.string("o"), .string("o"), .string("o"), .string("o")])),
        ("string_split_string", [.string("a©c"), .string("")], .list([.string("a"), .string("©"), .string("c")])),
        ("string_split_string_int", [.string("a©c"), .string(""), .int(2)], .list([.string("a"), .string("©c")])),
        ("string_split_string", [.string(""), .string(",")], .list([.string("")])),
        ("string_split_string", [.string(""), .string("")], .list([])),
        ("string_split_string", [.string(",a,"), .string(",")], .list([.string(""), .string("a"), .string("")])),
        // substring
        ("string_substring_int", [.string("tacocat"), .int(4)], .string("cat")),
        ("string_substring_int", [.string("tacocat"), .int(7)], .string("")),
        ("string_substring_int_int", [.string("tacocat"), .int(0), .int(4)], .string("taco")),
        ("string_substring_int_int", [.string("tacocat"), .int(4), .int(4)], .string("")),
        ("string_substring_int_int", [.string("ta©o©αT"), .int(2), .int(6)], .string("©o©α")),
        ("string_substring_int_int", [.string("ta©o©αT"), .int(7), .int(7)], .string("")),
        ("string_substring_int", [.string("tacocat"), .int(40)], nil),
        ("string_substring_int", [.string("tacocat"), .int(-1)], nil),
        ("string_substring_int_int", [.string("tacocat"), .int(1), .int(50)], nil),
        ("string_substring_int_int", [.string("tacocat"), .int(49), .int(50)], nil),
        ("string_substring_int_int", [.string("tacocat"), .int(4), .int(3)], nil),
        // trim
        ("string_trim", [.string(" \u{0C}\n\r\t\u{0B}text  ")], .string("text")),
        ("string_trim", [.string("\u{85}\u{A0}\u{1680}text")], .string("text")),
        ("string_trim", [.string("text\u{2000}\u{2001}\u{2002}\u{2003}\u{2004}\u{2004}\u{2006}\u{2007}\u{2008}\u{2009}")],
         .string("text")),
        ("string_trim", [.string("\u{200A}text\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}")], .string("text")),
        ("string_trim", [.string("\u{180E}text\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}")],
         .string("\u{180E}text\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}")),
        ("string_trim", [.string("   ")], .string("")),
        // join
        ("list_join", [.list([.string("x"), .string("y")])], .string("xy")),
        ("list_join_string", [.list([.string("x"), .string("y")]), .string("-")], .string("x-y")),
        ("list_join", [.list([])], .string("")),
        ("list_join_string", [.list([]), .string("-")], .string("")),
        ("list_join", [.list([.string("x"), .int(1)])], nil),
        // reverse
        ("string_reverse", [.string("gums")], .string("smug")),
        ("string_reverse", [.string("John Smith")], .string("htimS nhoJ")),
        ("string_reverse", [.string("ta©o©αT")], .string("Tα©o©at")),
        ("string_reverse", [.string("")], .string("")),
        // wrong types are errors
        ("string_char_at_int", [.int(42), .int(2)], nil),
        ("string_char_at_int", [.string("hello"), .bool(true)], nil),
        ("string_index_of_string", [.string("hello"), .bool(true)], nil),
        ("string_replace_string_string", [.string("42"), .int(2), .int(1)], nil),
        ("string_split_string", [.string("42"), .int(2)], nil),
        ("string_substring_int_int", [.string("tacocat"), .bool(true), .int(3)], nil),
    ]

    @Test func table() {
        for (id, args, expected) in Self.rows {
            let result = LibraryCall.invoke(Self.decls, id, args)
            if let expected {
                #expect(LibraryCall.same(result, expected), "\(id)\(args) = \(result), want \(expected)")
            } else {
                #expect(result.isError, "\(id)\(args) = \(result), want an error")
            }
        }
    }

    @Test func errorMessagesFollowCelGo() {
        #expect(call("string_char_at_int", str("tacocat"), .int(30)).errorValue?.message == "index out of range: 30")
        #expect(call("string_substring_int_int", str("tacocat"), .int(4), .int(3)).errorValue?.message
            == "invalid substring range. start: 4, end: 3")
        #expect(call("string_substring_int_int", str("tacocat"), .int(1), .int(50)).errorValue?.message
            == "index out of range: 50")
    }

    @Test func quote() {
        let cases: [(String, String)] = [
            ("first\nsecond", "\"first\\nsecond\""), ("bell\u{07}", "\"bell\\a\""),
            ("\u{08}backspace", "\"\\bbackspace\""), ("\u{0C}form feed", "\"\\fform feed\""),
            ("carriage \r return", "\"carriage \\r return\""), ("horizontal tab\t", "\"horizontal tab\\t\""),
            ("vertical \u{0B} tab", "\"vertical \\v tab\""), ("double \\\\ slash", "\"double \\\\\\\\ slash\""),
            ("two escape sequences \\a\\n", "\"two escape sequences \\\\a\\\\n\""), ("verbatim", "\"verbatim\""),
            ("ends with \\", "\"ends with \\\\\""), ("\\ starts with", "\"\\\\ starts with\""),
            ("printable unicode😀", "\"printable unicode😀\""), ("mid string \" quote", "\"mid string \\\" quote\""),
            ("single-quote with \"double quote\"", "\"single-quote with \\\"double quote\\\"\""),
            ("size('ÿ')", "\"size('ÿ')\""), ("завтра", "\"завтра\""), ("🐱😀😛", "\"🐱😀😛\""), ("", "\"\""),
        ]
        for (input, output) in cases {
            #expect(LibraryCall.same(call("strings_quote", str(input)), str(output)), "\(input)")
        }
    }

    // MARK: format

    static func ts(_ s: String) -> Value { TimeLibrary.timestamp(parsing: s) }
    static func dur(_ s: String) -> Value { TimeLibrary.duration(parsing: s) }
    static func map(_ entries: [(Value, Value)]) -> Value {
        var m = CELMap()
        for (k, v) in entries { m.insert(key: k, value: v) }
        return .map(m)
    }

    static let formatRows: [(String, [Value], String?)] = [
        ("no substitution", [], "no substitution"),
        ("str is %s and some more", [.string("filler")], "str is filler and some more"),
        ("%% and also %%", [], "% and also %"),
        ("%%%s%%", [.string("text")], "%text%"),
        ("%s%%", [.string("percent on the right")], "percent on the right%"),
        ("%%%s", [.string("percent on the left")], "%percent on the left"),
        ("%d %d %d, %s %s %s, %d %d %d, %s %s %s",
         [.int(1), .int(2), .int(3), .string("A"), .string("B"), .string("C"), .int(4), .int(5), .int(6),
          .string("D"), .string("E"), .string("F")], "1 2 3, A B C, 4 5 6, D E F"),
        ("%.3f", [.double(1.2345)], "1.234"),
        ("this is 5 in binary: %b", [.int(5)], "this is 5 in binary: 101"),
        ("unsigned 64 in binary: %b", [.uint(64)], "unsigned 64 in binary: 1000000"),
        ("bit set from bool: %b", [.bool(true)], "bit set from bool: 1"),
        ("%o", [.int(11)], "13"),
        ("this is an unsigned octal: %o", [.uint(65535)], "this is an unsigned octal: 177777"),
        ("%x is 20 in hexadecimal", [.int(30)], "1e is 20 in hexadecimal"),
        ("%X is 20 in hexadecimal", [.int(30)], "1E is 20 in hexadecimal"),
        ("%X is 6000 in hexadecimal", [.uint(6000)], "1770 is 6000 in hexadecimal"),
        ("%x", [.string("Hello world!")], "48656c6c6f20776f726c6421"),
        ("%X", [.string("Hello world!")], "48656C6C6F20776F726C6421"),
        ("%x", [.bytes(Array("byte string".utf8))], "6279746520737472696e67"),
        ("%X", [.bytes(Array("byte string".utf8))], "6279746520737472696E67"),
        ("%x", [.int(-30)], "-1e"),
        ("%.6e", [.double(1052.032911275)], "1.052033e+03"),
        ("%f", [.double(2.71828)], "2.718280"),
        ("%e", [.double(2.71828)], "2.718280e+00"),
        ("%e", [.double(.nan)], "NaN"),
        ("%e", [.double(.infinity)], "Infinity"),
        ("%e", [.double(-.infinity)], "-Infinity"),
        ("%d", [.double(.nan)], "NaN"),
        ("%d", [.double(.infinity)], "Infinity"),
        ("%d", [.double(-.infinity)], "-Infinity"),
        ("%f", [.double(.nan)], "NaN"),
        ("%f", [.double(.infinity)], "Infinity"),
        ("%f", [.double(-.infinity)], "-Infinity"),
        ("%d", [.uint(64)], "64"),
        ("%d", [.double(1.5)], "1.5"),
        ("%.2f", [.int(3)], "3.00"),
        ("%.0f", [.double(2.5)], "2"),
        ("%s", [.null], "null"),
        ("%s", [.int(999_999_999_999)], "999999999999"),
        ("%s", [.bytes(Array("xyz".utf8))], "xyz"),
        ("%s", [.type(.string)], "string"),
        ("%s", [.type(.timestamp)], "google.protobuf.Timestamp"),
        ("%s", [ts("2023-02-03T23:31:20+00:00")], "2023-02-03T23:31:20Z"),
        ("%s", [dur("1h45m47s")], "6347s"),
        ("%s", [.list([.string("abc"), .double(3.14), .null, .list([.int(9), .int(8), .int(7), .int(6)]),
                       ts("2023-02-03T23:31:20Z")])], "[abc, 3.14, null, [9, 8, 7, 6], 2023-02-03T23:31:20Z]"),
        ("%s", [map([(.string("key1"), .bytes(Array("xyz".utf8))), (.string("key5"), .null),
                     (.string("key2"), dur("2h")), (.string("key4"), .bool(true)),
                     (.string("key3"), .double(2.71828))])],
         "{key1: xyz, key2: 7200s, key3: 2.71828, key4: true, key5: null}"),
        ("%s", [map([(.int(1), .string("value1")), (.uint(2), .string("value2")), (.bool(true), .double(.nan))])],
         "{1: value1, 2: value2, true: NaN}"),
        ("%s", [map([(.string("strKey"), .string("x")), (.int(6), dur("422s")), (.bool(true), .int(42))])],
         "{6: 422s, strKey: x, true: 42}"),
        ("%s, %s", [.bool(true), .bool(false)], "true, false"),
        ("%s, %s", [.int(32), .double(56.8)], "32, 56.8"),
        ("%s", [.list([.double(.nan), .double(.infinity), .double(-.infinity)])], "[NaN, Infinity, -Infinity]"),
        ("%s", [.double(1e21)], "1000000000000000000000"),
        ("%s", [.double(1.5e-7)], "0.00000015"),
        ("%s", [.double(-0.0)], "-0"),
        ("%s", [.double(100)], "100"),
        ("%s", [.uint(18_446_744_073_709_551_615)], "18446744073709551615"),
        ("é%sü", [.string("ß")], "éßü"),
        // errors
        ("%a", [.int(1)], nil),
        ("%d %d %d", [.int(0), .int(1)], nil),
        ("string is %b", [.string("abc")], nil),
        ("%d", [dur("30m2s")], nil),
        ("octal: %o", [.string("a string")], nil),
        ("double is %x", [.double(0.5)], nil),
        ("double is %E", [.double(0.5)], nil),
        ("null: %d", [.null], nil),
        ("null: %e", [.null], nil),
        ("null: %f", [.null], nil),
        ("null: %x", [.null], nil),
        ("null: %b", [.null], nil),
        ("null: %o", [.null], nil),
        ("%", [.int(1)], nil),
        ("%.f", [.double(1)], nil),
        ("%.3", [.double(1)], nil),
        ("%.1000f", [.double(1)], nil),
        ("%s", [.optional(.none)], nil),
        ("%s", [.list([.optional(.none)])], nil),
        ("%s", [.error(CELError("boom"))], nil),
        ("%é", [.int(1)], nil),
    ]

    @Test func format() {
        for (template, args, expected) in Self.formatRows {
            let result = call("string_format", str(template), .list(args))
            if let expected {
                #expect(LibraryCall.same(result, str(expected)), "\(template) with \(args) = \(result)")
            } else {
                #expect(result.isError, "\(template) with \(args) = \(result), want an error")
            }
        }
    }

    @Test func formatErrorMessages() {
        #expect(call("string_format", str("%a"), .list([.int(1)])).errorValue?.message
            == "could not parse formatting clause: unrecognized formatting clause \"a\"")
        #expect(call("string_format", str("%d %d %d"), .list([.int(0), .int(1)])).errorValue?.message
            == "index 2 out of range")
    }

    @Test func growthIsLimited() {
        var limits = Limits()
        limits.maxStringBytes = 100
        limits.maxCollectionSize = 10
        let small = StringsExtension.declarations(limits: limits)
        let long = String(repeating: "a", count: 60)
        #expect(LibraryCall.invoke(small, "string_replace_string_string", [str(long), str("a"), str("bb")]).isError)
        #expect(LibraryCall.invoke(small, "string_replace_string_string", [str(long), str(""), str("x")]).isError)
        #expect(LibraryCall.invoke(small, "list_join_string", [.list([str(long), str(long)]), str(",")]).isError)
        #expect(LibraryCall.invoke(small, "string_format", [str("%s%s"), .list([str(long), str(long)])]).isError)
        #expect(LibraryCall.invoke(small, "string_split_string", [str(String(repeating: "a,", count: 20)), str(",")]).isError)
        #expect(LibraryCall.invoke(small, "string_split_string", [str(String(repeating: "a", count: 20)), str("")]).isError)
        #expect(LibraryCall.invoke(small, "strings_quote", [str(String(repeating: "\n", count: 60))]).isError)
        #expect(LibraryCall.same(LibraryCall.invoke(small, "string_replace_string_string", [str(long), str("a"), str("b")]),
                                 str(String(repeating: "b", count: 60))))
    }

    @Test func searchAgreesWithNaiveSearch() {
        var rng = SystemRandomNumberGenerator()
        let alphabet: [Character] = ["a", "b", "©"]
        func random(_ n: Int) -> String { String((0..<n).map { _ in alphabet.randomElement(using: &rng) ?? "a" }) }
        for _ in 0..<2_000 {
            let hay = random(Int.random(in: 0...12, using: &rng))
            let needle = random(Int.random(in: 1...3, using: &rng))
            let h = Array(hay.unicodeScalars), n = Array(needle.unicodeScalars)
            let matches = h.count < n.count ? [] : (0...(h.count - n.count)).filter { h[$0..<($0 + n.count)].elementsEqual(n) }
            let offset = Int.random(in: 0...h.count, using: &rng)
            let first = matches.first { $0 >= offset }.map(Int64.init) ?? -1
            let last = matches.last { $0 <= offset }.map(Int64.init) ?? -1
            #expect(LibraryCall.same(StringsExtension.indexOf(hay, needle, offset: Int64(offset)), .int(first)))
            #expect(LibraryCall.same(StringsExtension.lastIndexOf(hay, needle, offset: Int64(offset)), .int(last)))
            let pieces = hay.components(separatedBy: needle).map(Value.string)
            #expect(LibraryCall.same(StringsExtension.split(hay, needle, limit: -1, maxItems: 1_000).listCount,
                                     .int(Int64(pieces.count))))
            #expect(LibraryCall.same(StringsExtension.replace(hay, needle, "-", limit: -1, maxBytes: 1_000),
                                     .string(hay.replacingOccurrences(of: needle, with: "-"))))
        }
    }

    @Test func adversarialSearchesStayLinear() {
        let hay = String(repeating: "a", count: 200_000)
        let needle = String(repeating: "a", count: 100_000) + "b"
        #expect(LibraryCall.same(StringsExtension.indexOf(hay, needle, offset: 0), .int(-1)))
        #expect(LibraryCall.same(StringsExtension.lastIndexOf(hay, needle, offset: nil), .int(-1)))
        #expect(LibraryCall.same(StringsExtension.replace(hay, needle, "x", limit: -1, maxBytes: 1 << 20), .string(hay)))
        #expect(LibraryCall.same(StringsExtension.split(hay, needle, limit: -1, maxItems: 10).listCount, .int(1)))
    }

    @Test func randomFormatTemplatesNeverTrap() {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["%", "%%", "%s", "%d", "%f", "%.2f", "%.", "%e", "%x", "%X", "%o", "%b", "%q", "a", "é", ".", "9"]
        let args: [Value] = [.int(-3), .uint(7), .double(.nan), .double(-2.5), .string("s"), .bytes([0xFF]), .null,
                             .bool(true), .list([.int(1)]), Self.map([(.string("k"), .double(1e300))])]
        for _ in 0..<3_000 {
            let template = (0..<Int.random(in: 0...6, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined()
            let list = (0..<Int.random(in: 0...4, using: &rng)).map { _ in args.randomElement(using: &rng) ?? .null }
            let result = call("string_format", str(template), .list(list))
            switch result {
            case .string, .error: break
            default: Issue.record("\(template) gave \(result)")
            }
        }
    }

    @Test func endToEnd() {
        LibraryCall.expectEndToEnd(true: [
            "'tacocat'.charAt(3) == 'o'",
            "'©αT'.charAt(0) == '©' && '©αT'.charAt(1) == 'α' && '©αT'.charAt(2) == 'T'",
            "'ta©o©αT'.indexOf('©', 3) == 4",
            "'bananananana'.lastIndexOf('nana', 7) == 6",
            "'TacoCÆt Xii'.lowerAscii() == 'tacocÆt xii'",
            "'{0} days {0} hours'.replace('{0}', '2', 1).replace('{0}', '23') == '2 days 23 hours'",
            "'hello world'.split(' ') == ['hello', 'world']",
            "'hello world events!'.split(' ', 0) == []",
            "'ta©o©αT'.substring(2, 6) == '©o©α'",
            "' \\f\\n\\r\\t\\vtext  '.trim() == 'text'",
            "['x', 'y'].join('-') == 'x-y'",
            "[].join() == ''",
            "strings.quote('first\\nsecond') == '\"first\\\\nsecond\"'",
            "'gums'.reverse() == 'smug'",
            "'%d %s %.2f %x %b %o %e'.format([1, 'a', 3.14159, 255, 5, 8, 1052.032911275]) == '1 a 3.14 ff 101 10 1.052033e+03'",
            "'%s'.format([[1, 'a', {'k': true}, null, duration('1.5s')]]) == '[1, a, {k: true}, null, 1.5s]'",
            "dyn('abc').charAt(1) == 'b'",
        ], errors: [
            "'tacocat'.charAt(30) == ''",
            "'tacocat'.substring(4, 3) == ''",
            "'%d %d %d'.format([0, 1])",
            "'%a'.format([1])",
            "dyn(42).charAt(2) == ''",
        ])
    }
}

extension Value {
    /// The element count of a list as an int value (a test helper), or the value itself.
    fileprivate var listCount: Value {
        if case .list(let items) = self { return .int(Int64(items.count)) }
        return self
    }
}
