/// Timestamps and durations: conversions, arithmetic and the `get*` accessors (with an
/// optional time-zone argument), with cel-go's overload ids. Their comparisons are
/// declared with the other relations in `CoreComparisons`.
///
/// Ranges follow the CEL language definition: timestamps cover
/// 0001-01-01T00:00:00Z through 9999-12-31T23:59:59.999999999Z and durations fit in
/// one int64 count of nanoseconds (about ±292 years). Leaving a range is an error value.
public enum TimeLibrary {
    public static func declarations(limits: Limits) -> [FunctionDecl] {
        conversions() + arithmetic() + accessors()
    }

    // MARK: - Values in and out

    /// Parses an RFC 3339 timestamp as `timestamp(string)` does.
    public static func timestamp(parsing text: String) -> Value {
        do { return .timestamp(try TimeCalendar.parseTimestamp(text)) } catch { return .error(CELError(error.message)) }
    }

    /// Parses a duration such as `1h2m3.5s` as `duration(string)` does.
    public static func duration(parsing text: String) -> Value {
        do { return .duration(try TimeCalendar.parseDuration(text)) } catch { return .error(CELError(error.message)) }
    }

    /// `string(timestamp)`: RFC 3339 in UTC with `Z` and 0, 3, 6 or 9 fraction digits.
    public static func format(_ ts: CELTimestamp) -> String { ValueText.rfc3339(ts) }

    /// `string(duration)`: seconds with the shortest exact fraction, e.g. `1.5s`.
    public static func format(_ d: CELDuration) -> String { ValueText.duration(d) }

    // MARK: - Declarations

    private static func conversions() -> [FunctionDecl] {
        [
            FunctionDecl(name: "timestamp", overloads: [
                Overload(id: "string_to_timestamp", params: [.string], result: .timestamp, implementation: .unary { v in
                    guard case .string(let s) = v else { return noOverload("timestamp", v) }
                    return timestamp(parsing: s)
                }),
                Overload(id: "int64_to_timestamp", params: [.int], result: .timestamp, implementation: .unary { v in
                    guard case .int(let s) = v else { return noOverload("timestamp", v) }
                    return checkedTimestamp(CELTimestamp(seconds: s, nanos: 0))
                }),
                Overload(id: "timestamp_to_timestamp", params: [.timestamp], result: .timestamp, implementation: .unary { v in
                    guard case .timestamp = v else { return noOverload("timestamp", v) }
                    return v
                }),
            ]),
            FunctionDecl(name: "duration", overloads: [
                Overload(id: "string_to_duration", params: [.string], result: .duration, implementation: .unary { v in
                    guard case .string(let s) = v else { return noOverload("duration", v) }
                    return duration(parsing: s)
                }),
                Overload(id: "int64_to_duration", params: [.int], result: .duration, implementation: .unary { v in
                    guard case .int(let n) = v else { return noOverload("duration", v) }
                    return .duration(TimeCalendar.duration(nanos: n))
                }),
                Overload(id: "duration_to_duration", params: [.duration], result: .duration, implementation: .unary { v in
                    guard case .duration = v else { return noOverload("duration", v) }
                    return v
                }),
            ]),
            FunctionDecl(name: "string", overloads: [
                Overload(id: "timestamp_to_string", params: [.timestamp], result: .string, implementation: .unary { v in
                    guard case .timestamp(let t) = v else { return noOverload("string", v) }
                    guard TimeCalendar.isValid(t) else { return rangeError("timestamp") }
                    return .string(format(t))
                }),
                Overload(id: "duration_to_string", params: [.duration], result: .string, implementation: .unary { v in
                    guard case .duration(let d) = v else { return noOverload("string", v) }
                    return .string(format(d))
                }),
            ]),
            FunctionDecl(name: "int", overloads: [
                Overload(id: "timestamp_to_int64", params: [.timestamp], result: .int, implementation: .unary { v in
                    guard case .timestamp(let t) = v else { return noOverload("int", v) }
                    return .int(t.seconds)
                }),
                Overload(id: "duration_to_int64", params: [.duration], result: .int, implementation: .unary { v in
                    guard case .duration(let d) = v else { return noOverload("int", v) }
                    guard let n = TimeCalendar.totalNanos(d) else { return rangeError("duration") }
                    return .int(n)
                }),
            ]),
        ]
    }

    private static func arithmetic() -> [FunctionDecl] {
        [
            FunctionDecl(name: Operators.add, overloads: [
                Overload(id: "add_timestamp_duration", params: [.timestamp, .duration], result: .timestamp,
                         implementation: .binary { a, b in
                             guard case .timestamp(let t) = a, case .duration(let d) = b else { return noOverload("_+_", a, b) }
                             return add(t, d, sign: 1)
                         }),
                Overload(id: "add_duration_timestamp", params: [.duration, .timestamp], result: .timestamp,
                         implementation: .binary { a, b in
                             guard case .duration(let d) = a, case .timestamp(let t) = b else { return noOverload("_+_", a, b) }
                             return add(t, d, sign: 1)
                         }),
                Overload(id: "add_duration_duration", params: [.duration, .duration], result: .duration,
                         implementation: .binary { a, b in
                             guard case .duration(let x) = a, case .duration(let y) = b else { return noOverload("_+_", a, b) }
                             return combine(x, y, negateSecond: false)
                         }),
            ]),
            FunctionDecl(name: Operators.subtract, overloads: [
                Overload(id: "subtract_timestamp_timestamp", params: [.timestamp, .timestamp], result: .duration,
                         implementation: .binary { a, b in
                             guard case .timestamp(let x) = a, case .timestamp(let y) = b else { return noOverload("_-_", a, b) }
                             return difference(x, y)
                         }),
                Overload(id: "subtract_timestamp_duration", params: [.timestamp, .duration], result: .timestamp,
                         implementation: .binary { a, b in
                             guard case .timestamp(let t) = a, case .duration(let d) = b else { return noOverload("_-_", a, b) }
                             return add(t, d, sign: -1)
                         }),
                Overload(id: "subtract_duration_duration", params: [.duration, .duration], result: .duration,
                         implementation: .binary { a, b in
                             guard case .duration(let x) = a, case .duration(let y) = b else { return noOverload("_-_", a, b) }
                             return combine(x, y, negateSecond: true)
                         }),
            ]),
        ]
    }

    /// A field of a civil time, given the timestamp's nanos as well.
    private typealias Field = @Sendable (TimeCalendar.Civil, Int32) -> Int64

    private static func accessors() -> [FunctionDecl] {
        let timestampFields: [(String, String, Field)] = [
            ("getFullYear", "timestamp_to_year", { c, _ in c.year }),
            ("getMonth", "timestamp_to_month", { c, _ in c.month - 1 }),
            ("getDayOfYear", "timestamp_to_day_of_year", { c, _ in
                c.epochDay - TimeCalendar.daysFromCivil(year: c.year, month: 1, day: 1) }),
            ("getDayOfMonth", "timestamp_to_day_of_month", { c, _ in c.day - 1 }),
            ("getDate", "timestamp_to_day_of_month_1_based", { c, _ in c.day }),
            ("getDayOfWeek", "timestamp_to_day_of_week", { c, _ in TimeCalendar.floorDivMod(c.epochDay + 4, 7).1 }),
            ("getHours", "timestamp_to_hours", { c, _ in c.hour }),
            ("getMinutes", "timestamp_to_minutes", { c, _ in c.minute }),
            ("getSeconds", "timestamp_to_seconds", { c, _ in c.second }),
            ("getMilliseconds", "timestamp_to_milliseconds", { _, n in Int64(n) / 1_000_000 }),
        ]
        let durationFields: [String: (String, @Sendable (Int64) -> Int64)] = [
            "getHours": ("duration_to_hours", { $0 / 3_600_000_000_000 }),
            "getMinutes": ("duration_to_minutes", { $0 / 60_000_000_000 }),
            "getSeconds": ("duration_to_seconds", { $0 / 1_000_000_000 }),
            "getMilliseconds": ("duration_to_milliseconds", { $0 / 1_000_000 % 1000 }),
        ]
        return timestampFields.map { name, id, field in
            var overloads = [
                Overload(id: id, isInstance: true, params: [.timestamp], result: .int, implementation: .unary { v in
                    guard case .timestamp(let t) = v else { return noOverload(name, v) }
                    guard TimeCalendar.isValid(t) else { return rangeError("timestamp") }
                    return .int(field(TimeCalendar.civil(seconds: t.seconds, offset: 0), t.nanos))
                }),
                Overload(id: id + "_with_tz", isInstance: true, params: [.timestamp, .string], result: .int,
                         implementation: .binary { v, z in
                             guard case .timestamp(let t) = v, case .string(let zoneName) = z else { return noOverload(name, v, z) }
                             guard TimeCalendar.isValid(t) else { return rangeError("timestamp") }
                             guard let zone = TimeZones.zone(zoneName) else {
                                 return .error(CELError("unknown time zone \"\(zoneName)\""))
                             }
                             let civil = TimeCalendar.civil(seconds: t.seconds, offset: zone.offset(at: t.seconds))
                             return .int(field(civil, t.nanos))
                         }),
            ]
            if let (durationID, durationField) = durationFields[name] {
                overloads.append(Overload(id: durationID, isInstance: true, params: [.duration], result: .int,
                                          implementation: .unary { v in
                                              guard case .duration(let d) = v else { return noOverload(name, v) }
                                              guard let n = TimeCalendar.totalNanos(d) else { return rangeError("duration") }
                                              return .int(durationField(n))
                                          }))
            }
            return FunctionDecl(name: name, overloads: overloads)
        }
    }

    // MARK: - Arithmetic with range checks

    private static func checkedTimestamp(_ ts: CELTimestamp) -> Value {
        TimeCalendar.isValid(ts) ? .timestamp(ts) : rangeError("timestamp")
    }

    /// Values built by a host may be out of range; every operation checks its inputs
    /// so that no arithmetic below can overflow.
    private static func add(_ t: CELTimestamp, _ d: CELDuration, sign: Int64) -> Value {
        guard TimeCalendar.isValid(t) else { return rangeError("timestamp") }
        guard let delta = TimeCalendar.totalNanos(d) else { return rangeError("duration") }
        // |delta| < 2^63 ns ≈ 9.3e9 s and valid timestamps are within ±2.6e11 s.
        let (q, r) = TimeCalendar.floorDivMod(delta, TimeCalendar.nanosPerSecond)
        var seconds = t.seconds + sign * q
        var nanos = Int64(t.nanos) + sign * r
        if nanos >= TimeCalendar.nanosPerSecond {
            nanos -= TimeCalendar.nanosPerSecond
            seconds += 1
        } else if nanos < 0 {
            nanos += TimeCalendar.nanosPerSecond
            seconds -= 1
        }
        return checkedTimestamp(CELTimestamp(seconds: seconds, nanos: Int32(nanos)))
    }

    private static func difference(_ a: CELTimestamp, _ b: CELTimestamp) -> Value {
        guard TimeCalendar.isValid(a), TimeCalendar.isValid(b) else { return rangeError("timestamp") }
        let seconds = a.seconds - b.seconds
        let nanos = Int64(a.nanos) - Int64(b.nanos)
        let (m, o1) = seconds.multipliedReportingOverflow(by: TimeCalendar.nanosPerSecond)
        let (total, o2) = m.addingReportingOverflow(nanos)
        if o1 || o2 { return rangeError("duration") }
        return .duration(TimeCalendar.duration(nanos: total))
    }

    private static func combine(_ a: CELDuration, _ b: CELDuration, negateSecond: Bool) -> Value {
        guard let x = TimeCalendar.totalNanos(a), let y = TimeCalendar.totalNanos(b) else { return rangeError("duration") }
        let (r, overflow) = negateSecond ? x.subtractingReportingOverflow(y) : x.addingReportingOverflow(y)
        if overflow { return rangeError("duration") }
        return .duration(TimeCalendar.duration(nanos: r))
    }

    private static func rangeError(_ what: String) -> Value {
        .error(CELError(what == "timestamp"
            ? "timestamp out of range (years 0001-9999)"
            : "duration out of range (about ±292 years)"))
    }

    private static func noOverload(_ function: String, _ args: Value...) -> Value {
        if let e = args.first(where: \.isError) { return e }
        return .error(CELError("no such overload: \(function)(\(args.map { $0.runtimeType.runtimeName }.joined(separator: ", ")))"))
    }
}
