import Foundation
import Testing
@testable import CEL

/// Calls an overload of a library by its id (shared by the extension-library tests,
/// which exercise implementations directly, without the parser and the planner).
enum LibraryCall {
    static func invoke(_ decls: [FunctionDecl], _ id: String, _ args: [Value]) -> Value {
        for decl in decls {
            for overload in decl.overloads where overload.id == id {
                switch (overload.implementation, args.count) {
                case (.unary(let f), 1): return f(args[0])
                case (.binary(let f), 2): return f(args[0], args[1])
                case (.ternary(let f), 3): return f(args[0], args[1], args[2])
                case (.variadic(let f), _): return f(args)
                default: return .error(CELError("test: arity mismatch for \(id)"))
                }
            }
        }
        return .error(CELError("test: no overload \(id)"))
    }

    /// Compiles and evaluates an expression with the full environment; a compile error
    /// becomes an error value whose message starts with "compile:".
    static func eval(_ text: String, limits: Limits = .default) -> Value {
        let env = Environment(limits: limits)
        do {
            return try env.compile(Source(text: text)).evaluate()
        } catch {
            return .error(CELError("compile: \(error)"))
        }
    }

    /// Expects every expression to evaluate to `true`, and every one in `failing` to an
    /// evaluation error (not a compile error).
    static func expectEndToEnd(true expressions: [String], errors failing: [String] = [],
                               sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        for text in expressions {
            let result = eval(text)
            #expect(same(result, .bool(true)), "\(text) = \(result)", sourceLocation: sourceLocation)
        }
        for text in failing {
            let result = eval(text)
            let message = result.errorValue?.message ?? ""
            #expect(result.isError && !message.hasPrefix("compile:"), "\(text) = \(result)",
                    sourceLocation: sourceLocation)
        }
    }

    /// Same runtime type and equal (NaN equals NaN here).
    static func same(_ a: Value, _ b: Value) -> Bool {
        if case .double(let x) = a, case .double(let y) = b, x.isNaN, y.isNaN { return true }
        return a.runtimeType == b.runtimeType && a.celEquals(b)
    }
}

@Suite("TimeLibrary")
struct TimeLibraryTests {
    static let decls = TimeLibrary.declarations(limits: .default)
    func call(_ id: String, _ args: Value...) -> Value { LibraryCall.invoke(Self.decls, id, args) }
    func ts(_ s: String) -> Value { TimeLibrary.timestamp(parsing: s) }
    func dur(_ s: String) -> Value { TimeLibrary.duration(parsing: s) }

    // MARK: Parsing and printing timestamps

    static let validTimestamps: [(String, Int64, Int32)] = [
        ("1970-01-01T00:00:00Z", 0, 0),
        ("2009-02-13T23:31:30Z", 1_234_567_890, 0),
        ("2009-02-13T23:31:30.5Z", 1_234_567_890, 500_000_000),
        ("2009-02-13T23:31:30.123456789Z", 1_234_567_890, 123_456_789),
        ("2009-02-14T01:31:30+02:00", 1_234_567_890, 0),
        ("2009-02-13T15:01:30-08:30", 1_234_567_890, 0),
        ("2009-02-13t23:31:30z", 1_234_567_890, 0),
        ("0001-01-01T00:00:00Z", -62_135_596_800, 0),
        ("9999-12-31T23:59:59.999999999Z", 253_402_300_799, 999_999_999),
        ("2000-02-29T00:00:00Z", 951_782_400, 0),
        ("1969-12-31T23:59:59.9Z", -1, 900_000_000),
    ]

    @Test func parsesRFC3339() {
        for (text, seconds, nanos) in Self.validTimestamps {
            guard case .timestamp(let t) = ts(text) else {
                Issue.record("\(text) did not parse")
                continue
            }
            #expect(t == CELTimestamp(seconds: seconds, nanos: nanos), "\(text)")
        }
    }

    @Test(arguments: [
        "", "2009-02-13", "2009-02-13T23:31:30", "2009-02-13 23:31:30Z", "2009-2-13T23:31:30Z",
        "2009-02-30T00:00:00Z", "2001-02-29T00:00:00Z", "2009-13-01T00:00:00Z", "2009-00-01T00:00:00Z",
        "2009-02-13T24:00:00Z", "2009-02-13T23:60:00Z", "2009-02-13T23:31:60Z", "2009-02-13T23:31:30.Z",
        "2009-02-13T23:31:30.1234567890Z", "2009-02-13T23:31:30+0200", "2009-02-13T23:31:30+24:00",
        "2009-02-13T23:31:30Zjunk", "２009-02-13T23:31:30Z", "-001-01-01T00:00:00Z",
    ])
    func rejectsMalformedTimestamps(_ text: String) {
        #expect(ts(text).isError)
    }

    @Test(arguments: ["0000-01-01T00:00:00Z", "10000-01-01T00:00:00Z", "0001-01-01T00:00:00+00:01",
                      "9999-12-31T23:59:59-00:01"])
    func rejectsTimestampsOutOfRange(_ text: String) {
        guard case .error(let e) = ts(text) else { Issue.record("accepted \(text)"); return }
        #expect(e.message.contains("range"))
    }

    @Test func formatsTimestamps() {
        let cases: [(String, String)] = [
            ("2009-02-13T23:31:30Z", "2009-02-13T23:31:30Z"),
            ("2009-02-14T01:31:30+02:00", "2009-02-13T23:31:30Z"),
            ("9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59.999999999Z"),
            ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
            ("2009-02-13T23:31:30.5Z", "2009-02-13T23:31:30.500Z"),
            ("2009-02-13T23:31:30.000001Z", "2009-02-13T23:31:30.000001Z"),
            ("2009-02-13T23:31:30.12345678Z", "2009-02-13T23:31:30.123456780Z"),
        ]
        for (input, output) in cases {
            #expect(LibraryCall.same(call("timestamp_to_string", ts(input)), .string(output)))
        }
    }

    // MARK: Durations

    static let validDurations: [(String, Int64)] = [
        ("0", 0), ("0s", 0), ("1s", 1_000_000_000), ("-1.5s", -1_500_000_000), ("300ms", 300_000_000),
        ("1us", 1_000), ("1µs", 1_000), ("1μs", 1_000), ("1ns", 1), ("1h2m3.5s", 3_723_500_000_000),
        ("+5m", 300_000_000_000), (".5s", 500_000_000), ("1.s", 1_000_000_000), ("1.0000000009s", 1_000_000_000),
        ("2h45m", 9_900_000_000_000), ("1000000s", 1_000_000_000_000_000),
        ("9223372036.854775807s", Int64.max), ("-9223372036.854775808s", Int64.min),
        ("1h1h", 7_200_000_000_000),
    ]

    @Test func parsesDurations() {
        for (text, nanos) in Self.validDurations {
            guard case .duration(let d) = dur(text) else {
                Issue.record("\(text) did not parse")
                continue
            }
            #expect(TimeCalendar.totalNanos(d) == nanos, "\(text)")
            #expect(d.seconds == 0 || d.nanos == 0 || (d.seconds < 0) == (d.nanos < 0), "signs agree for \(text)")
        }
    }

    @Test(arguments: ["", "s", "1", "1x", "-", "1.5", "1h-2m", ". s", "1 s", "1S", "1e3s", "h"])
    func rejectsMalformedDurations(_ text: String) {
        #expect(dur(text).isError)
    }

    @Test(arguments: ["9223372036.854775808s", "-9223372036.854775809s", "320000000000s", "-320000000000s",
                      "99999999999999999999h", "2562048h"])
    func rejectsDurationsOutOfRange(_ text: String) {
        guard case .error(let e) = dur(text) else { Issue.record("accepted \(text)"); return }
        #expect(e.message.contains("range"))
    }

    @Test func formatsDurations() {
        let cases: [(String, String)] = [
            ("1000000s", "1000000s"), ("1.5s", "1.5s"), ("-1.5s", "-1.5s"), ("1ns", "0.000000001s"),
            ("0s", "0s"), ("1h45m47s", "6347s"), ("-300ms", "-0.3s"),
        ]
        for (input, output) in cases {
            #expect(LibraryCall.same(call("duration_to_string", dur(input)), .string(output)), "\(input)")
        }
    }

    // MARK: Conversions

    @Test func convertsBetweenIntsAndTimes() {
        #expect(LibraryCall.same(call("timestamp_to_int64", ts("2009-02-13T23:31:30Z")), .int(1_234_567_890)))
        #expect(LibraryCall.same(call("timestamp_to_int64", ts("1969-12-31T23:59:59.5Z")), .int(-1)))
        #expect(LibraryCall.same(call("int64_to_timestamp", .int(1_234_567_890)), ts("2009-02-13T23:31:30Z")))
        #expect(call("int64_to_timestamp", .int(253_402_300_800)).isError)
        #expect(call("int64_to_timestamp", .int(Int64.min)).isError)
        #expect(LibraryCall.same(call("int64_to_duration", .int(1_500)), dur("1.5us")))
        #expect(LibraryCall.same(call("duration_to_int64", dur("1.5us")), .int(1_500)))
        #expect(LibraryCall.same(call("timestamp_to_timestamp", ts("2009-02-13T23:31:30Z")), ts("2009-02-13T23:31:30Z")))
        #expect(LibraryCall.same(call("duration_to_duration", dur("1s")), dur("1s")))
        #expect(call("string_to_timestamp", .int(1)).isError)
    }

    // MARK: Arithmetic

    @Test func arithmetic() {
        let cases: [(String, Value, Value, Value)] = [
            ("add_timestamp_duration", ts("2009-02-13T23:00:00Z"), dur("240s"), ts("2009-02-13T23:04:00Z")),
            ("add_duration_timestamp", dur("120s"), ts("2009-02-13T23:01:00Z"), ts("2009-02-13T23:03:00Z")),
            ("add_duration_duration", dur("600s"), dur("50s"), dur("650s")),
            ("add_timestamp_duration", ts("0001-01-01T00:00:01.000000001Z"), dur("-999999999ns"),
             ts("0001-01-01T00:00:00.000000002Z")),
            ("add_timestamp_duration", ts("0001-01-01T00:00:01.999999999Z"), dur("999999999ns"),
             ts("0001-01-01T00:00:02.999999998Z")),
            ("subtract_timestamp_duration", ts("2009-02-13T23:10:00Z"), dur("600s"), ts("2009-02-13T23:00:00Z")),
            ("subtract_timestamp_timestamp", ts("2009-02-13T23:31:00Z"), ts("2009-02-13T23:29:00Z"), dur("120s")),
            ("subtract_timestamp_timestamp", ts("2009-02-13T23:29:00Z"), ts("2009-02-13T23:31:00.5Z"), dur("-120.5s")),
            ("subtract_duration_duration", dur("900s"), dur("42s"), dur("858s")),
            ("subtract_duration_duration", dur("-1.5s"), dur("0.75s"), dur("-2.25s")),
        ]
        for (id, a, b, expected) in cases {
            let result = call(id, a, b)
            #expect(LibraryCall.same(result, expected), "\(id)(\(a), \(b)) = \(result)")
        }
    }

    @Test func arithmeticRangeErrors() {
        let cases: [(String, Value, Value)] = [
            ("add_timestamp_duration", ts("0001-01-01T00:00:00Z"), dur("-1s")),
            ("add_timestamp_duration", ts("9999-12-31T23:59:59Z"), dur("1s")),
            ("add_timestamp_duration", ts("9999-12-31T23:59:59.999999999Z"), dur("1ns")),
            ("add_timestamp_duration", ts("0001-01-01T00:00:00Z"), dur("-1ns")),
            ("subtract_timestamp_duration", ts("0001-01-01T00:00:00Z"), dur("1ns")),
            ("subtract_timestamp_timestamp", ts("9999-12-31T23:59:59Z"), ts("0001-01-01T00:00:00Z")),
            ("subtract_timestamp_timestamp", ts("0001-01-01T00:00:00Z"), ts("9999-12-31T23:59:59Z")),
            ("add_duration_duration", dur("9000000000s"), dur("9000000000s")),
            ("subtract_duration_duration", dur("-9000000000s"), dur("9000000000s")),
            ("add_duration_duration", .duration(CELDuration(seconds: Int64.max, nanos: 0)), dur("1s")),
        ]
        for (id, a, b) in cases {
            guard case .error(let e) = call(id, a, b) else { Issue.record("\(id)(\(a), \(b)) succeeded"); continue }
            #expect(e.message.contains("range"))
        }
    }

    @Test func wrongArgumentTypesAreErrorsNotTraps() {
        #expect(call("add_timestamp_duration", .int(1), .int(2)).isError)
        #expect(call("timestamp_to_year", .string("x")).isError)
        #expect(call("timestamp_to_year_with_tz", ts("2009-02-13T23:31:30Z"), .int(3)).isError)
        let err = Value.error(CELError("boom"))
        guard case .error(let e) = call("duration_to_hours", err) else { Issue.record("no error"); return }
        #expect(e.message == "boom")
    }

    // MARK: Accessors (cel-spec timestamps.textproto and more)

    static let accessorCases: [(String, String, String?, Int64)] = [
        ("2009-02-13T23:31:30Z", "timestamp_to_day_of_month_1_based", nil, 13),
        ("2009-02-13T23:31:30Z", "timestamp_to_day_of_month", nil, 12),
        ("2009-02-13T23:31:30Z", "timestamp_to_day_of_week", nil, 5),
        ("2009-02-13T23:31:30Z", "timestamp_to_day_of_year", nil, 43),
        ("2009-02-13T23:31:30Z", "timestamp_to_year", nil, 2009),
        ("2009-02-13T23:31:30Z", "timestamp_to_hours", nil, 23),
        ("2009-02-13T23:31:20.123456789Z", "timestamp_to_milliseconds", nil, 123),
        ("2009-02-13T23:31:30Z", "timestamp_to_minutes", nil, 31),
        ("2009-02-13T23:31:30Z", "timestamp_to_month", nil, 1),
        ("2009-02-13T23:31:30Z", "timestamp_to_seconds", nil, 30),
        ("2009-02-13T23:31:30Z", "timestamp_to_day_of_month_1_based", "Australia/Sydney", 14),
        ("2009-02-13T23:31:30Z", "timestamp_to_day_of_month", "US/Central", 12),
        ("2009-02-13T23:31:30Z", "timestamp_to_day_of_month", "+11:00", 13),
        ("2009-02-13T02:00:00Z", "timestamp_to_day_of_month", "-02:30", 11),
        ("2009-02-13T02:00:00Z", "timestamp_to_day_of_month", "America/St_Johns", 11),
        ("2009-02-13T23:31:30Z", "timestamp_to_day_of_week", "UTC", 5),
        ("2009-02-13T23:31:30Z", "timestamp_to_day_of_year", "US/Central", 43),
        ("2009-02-13T23:31:30Z", "timestamp_to_year", "-09:30", 2009),
        ("2009-02-13T23:31:30Z", "timestamp_to_hours", "02:00", 1),
        ("2009-02-13T23:31:30Z", "timestamp_to_minutes", "Asia/Kathmandu", 16),
        ("2009-02-13T23:31:30Z", "timestamp_to_month", "UTC", 1),
        ("2009-02-13T23:31:30Z", "timestamp_to_seconds", "-00:00", 30),
        // Daylight saving time in an IANA zone.
        ("2024-07-01T12:00:00Z", "timestamp_to_hours", "America/Los_Angeles", 5),
        ("2024-01-01T12:00:00Z", "timestamp_to_hours", "America/Los_Angeles", 4),
        ("2024-01-01T06:00:00Z", "timestamp_to_year", "America/Los_Angeles", 2023),
        ("2024-01-01T06:00:00Z", "timestamp_to_day_of_year", "America/Los_Angeles", 364),
        ("2024-12-31T12:00:00Z", "timestamp_to_day_of_year", nil, 365),
        ("2024-01-01T06:00:00Z", "timestamp_to_month", "America/Los_Angeles", 11),
        // The edges of the range, with offsets that leave it.
        ("0001-01-01T00:00:00Z", "timestamp_to_year", "-01:00", 0),
        ("0001-01-01T00:00:00Z", "timestamp_to_day_of_week", nil, 1),
        ("9999-12-31T23:59:59Z", "timestamp_to_year", "+01:00", 10000),
        ("9999-12-31T23:59:59Z", "timestamp_to_day_of_week", nil, 5),
        ("1969-12-31T23:59:59Z", "timestamp_to_day_of_week", nil, 3),
        ("1600-02-29T00:00:00Z", "timestamp_to_day_of_year", nil, 59),
    ]

    @Test func timestampAccessors() {
        for (input, id, zone, expected) in Self.accessorCases {
            let result = zone.map { call(id + "_with_tz", ts(input), .string($0)) } ?? call(id, ts(input))
            #expect(LibraryCall.same(result, .int(expected)), "\(id)(\(input), \(zone ?? "-")) = \(result)")
        }
    }

    @Test(arguments: ["Mars/Olympus", "", "../../etc/passwd", "/etc/localtime", "+25:00", "+1:2", "12:3a",
                      "America/../../x", "+05:60"])
    func unknownZonesAreErrors(_ zone: String) {
        #expect(call("timestamp_to_hours_with_tz", ts("2009-02-13T23:31:30Z"), .string(zone)).isError)
    }

    @Test func durationAccessors() {
        let cases: [(String, String, Int64)] = [
            ("10000s", "duration_to_hours", 2), ("3730s", "duration_to_minutes", 62),
            ("3730s", "duration_to_seconds", 3730), ("123.321456789s", "duration_to_milliseconds", 321),
            ("-3730s", "duration_to_minutes", -62), ("-1.5s", "duration_to_milliseconds", -500),
            ("59m", "duration_to_hours", 0),
        ]
        for (input, id, expected) in cases {
            #expect(LibraryCall.same(call(id, dur(input)), .int(expected)), "\(id)(\(input))")
        }
    }

    @Test func randomTextNeverTraps() {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["1", "9", "0", "-", "+", ":", ".", "T", "Z", "h", "m", "s", "ms", "µs", "n", "2009-02-13", "T23:31:30",
                      "99999999999", "é", " "]
        for _ in 0..<5_000 {
            let text = (0..<Int.random(in: 0...8, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined()
            for v in [ts(text), dur(text)] {
                switch v {
                case .timestamp(let t): #expect(TimeCalendar.isValid(t), "\(text)")
                case .duration, .error: break
                default: Issue.record("\(text) gave \(v)")
                }
            }
            _ = TimeZones.zone(text)
        }
    }

    @Test func hostValuesOutOfRangeAreErrors() {
        let huge = Value.timestamp(CELTimestamp(seconds: Int64.max, nanos: 0))
        let hugeDuration = Value.duration(CELDuration(seconds: Int64.max, nanos: 999_999_999))
        #expect(call("timestamp_to_year", huge).isError)
        #expect(call("timestamp_to_year_with_tz", huge, .string("UTC")).isError)
        #expect(call("timestamp_to_string", huge).isError)
        #expect(call("add_timestamp_duration", huge, dur("1s")).isError)
        #expect(call("add_timestamp_duration", ts("2009-02-13T23:31:30Z"), hugeDuration).isError)
        #expect(call("subtract_timestamp_timestamp", huge, ts("2009-02-13T23:31:30Z")).isError)
        #expect(call("duration_to_hours", hugeDuration).isError)
        #expect(call("duration_to_int64", hugeDuration).isError)
    }

    // MARK: End to end

    @Test func endToEnd() {
        LibraryCall.expectEndToEnd(true: [
            "int(timestamp('2009-02-13T23:31:30Z')) == 1234567890",
            "string(timestamp('2009-02-13T23:31:30Z')) == '2009-02-13T23:31:30Z'",
            "string(timestamp('9999-12-31T23:59:59.999999999Z')) == '9999-12-31T23:59:59.999999999Z'",
            "type(timestamp('2009-02-13T23:31:30Z')) == google.protobuf.Timestamp",
            "type(duration('1s')) == google.protobuf.Duration",
            "string(duration('1000000s')) == '1000000s'",
            "timestamp('2009-02-13T23:31:30Z').getDate() == 13",
            "timestamp('2009-02-13T23:31:30Z').getDayOfMonth('US/Central') == 12",
            "timestamp('2009-02-13T23:31:30Z').getHours('02:00') == 1",
            "timestamp('2009-02-13T23:31:30Z').getMinutes('Asia/Kathmandu') == 16",
            "timestamp('2009-02-13T23:00:00Z') + duration('240s') == timestamp('2009-02-13T23:04:00Z')",
            "duration('120s') + timestamp('2009-02-13T23:01:00Z') == timestamp('2009-02-13T23:03:00Z')",
            "timestamp('2009-02-13T23:31:00Z') - timestamp('2009-02-13T23:29:00Z') == duration('120s')",
            "duration('900s') - duration('42s') == duration('858s')",
            "timestamp('2009-02-13T23:00:00Z') < timestamp('2009-03-13T23:00:00Z')",
            "duration('200s') <= duration('200s')",
            "duration('10000s').getHours() == 2",
            "duration('3730s').getMinutes() == 62",
            "timestamp(1234567890) == timestamp('2009-02-13T23:31:30Z')",
            "dyn(timestamp('2009-02-13T23:31:30Z')).getFullYear() == 2009",
            "[timestamp('2009-02-13T23:31:30Z')].all(t, t.getDayOfWeek() == 5)",
        ], errors: [
            "timestamp('0000-01-01T00:00:00Z')",
            "timestamp('10000-01-01T00:00:00Z')",
            "timestamp('0001-01-01T00:00:00Z') + duration('-1s')",
            "timestamp('9999-12-31T23:59:59.999999999Z') + duration('1ns')",
            "timestamp('9999-12-31T23:59:59Z') - timestamp('0001-01-01T00:00:00Z')",
            "duration('-320000000000s')",
            "duration('200000000000s') + duration('200000000000s')",
            "timestamp('2009-02-13T23:31:30Z').getHours('Mars/Olympus')",
            "timestamp('garbage')",
        ])
    }

    // MARK: Calendar arithmetic against Foundation

    @Test func civilDaysRoundTripOverTheWholeRange() {
        var day = TimeCalendar.minTimestampSeconds / 86_400
        let last = TimeCalendar.maxTimestampSeconds / 86_400
        var previous = TimeCalendar.civilFromDays(day - 1)
        var mismatches: [Int64] = []
        while day <= last {
            let c = TimeCalendar.civilFromDays(day)
            let roundTrips = TimeCalendar.daysFromCivil(year: c.year, month: c.month, day: c.day) == day
            // Consecutive days advance the date by exactly one.
            let advances = c.day != 1
                ? c.day == previous.day + 1 && c.month == previous.month && c.year == previous.year
                : previous.day == TimeCalendar.daysInMonth(year: previous.year, month: previous.month)
            if !roundTrips || !advances { mismatches.append(day) }
            previous = c
            day += 1
        }
        #expect(mismatches.isEmpty)
        #expect(TimeCalendar.civilFromDays(0) == (1970, 1, 1))
    }

    @Test func agreesWithFoundationCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var rng = SystemRandomNumberGenerator()
        // Foundation's Gregorian calendar switches to Julian dates before October 1582.
        let low: Int64 = -12_219_292_800 + 86_400 * 365
        for _ in 0..<2_000 {
            let seconds = Int64.random(in: low...TimeCalendar.maxTimestampSeconds, using: &rng)
            let c = TimeCalendar.civil(seconds: seconds, offset: 0)
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday],
                                                from: Date(timeIntervalSince1970: Double(seconds)))
            #expect(parts.year.map(Int64.init) == c.year && parts.month.map(Int64.init) == c.month
                && parts.day.map(Int64.init) == c.day && parts.hour.map(Int64.init) == c.hour
                && parts.minute.map(Int64.init) == c.minute && parts.second.map(Int64.init) == c.second,
                "\(seconds)")
            let weekday = call("timestamp_to_day_of_week", .timestamp(CELTimestamp(seconds: seconds, nanos: 0)))
            #expect(LibraryCall.same(weekday, .int(Int64((parts.weekday ?? 0) - 1))))
        }
    }

    @Test func roundTripsFormatAndParse() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let t = CELTimestamp(seconds: Int64.random(in: TimeCalendar.minTimestampSeconds...TimeCalendar.maxTimestampSeconds,
                                                    using: &rng),
                              nanos: Int32.random(in: 0..<1_000_000_000, using: &rng))
            #expect(LibraryCall.same(ts(TimeLibrary.format(t)), .timestamp(t)))
            let d = TimeCalendar.duration(nanos: Int64.random(in: Int64.min...Int64.max, using: &rng))
            #expect(LibraryCall.same(dur(TimeLibrary.format(d)), .duration(d)), "\(TimeLibrary.format(d))")
        }
    }
}
