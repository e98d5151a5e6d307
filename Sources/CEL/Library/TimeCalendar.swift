/// Proleptic Gregorian calendar arithmetic and RFC 3339 / duration parsing, done with
/// integers only so results are exact over CEL's whole range (years 0001–9999).
/// Day counts use Howard Hinnant's `days_from_civil` / `civil_from_days` algorithms.
enum TimeCalendar {
    static let nanosPerSecond: Int64 = 1_000_000_000
    /// 0001-01-01T00:00:00Z in Unix seconds.
    static let minTimestampSeconds: Int64 = -62_135_596_800
    /// 9999-12-31T23:59:59Z in Unix seconds.
    static let maxTimestampSeconds: Int64 = 253_402_300_799

    /// A civil date and time of day, as seen in some time zone.
    struct Civil: Equatable {
        var year: Int64
        var month: Int64       // 1...12
        var day: Int64         // 1...31
        var hour: Int64
        var minute: Int64
        var second: Int64
        /// Days since 1970-01-01 of the date.
        var epochDay: Int64
    }

    /// Days from 1970-01-01 to the given date (valid for any year CEL can hold).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date for a count of days since 1970-01-01.
    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func isLeapYear(_ y: Int64) -> Bool {
        y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Floor division and modulo, for splitting seconds into days and seconds of day.
    static func floorDivMod(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        var q = a / b
        var r = a % b
        if r < 0 { q -= 1; r += b }
        return (q, r)
    }

    /// The civil time of a Unix second shifted by `offset` seconds (east of UTC).
    static func civil(seconds: Int64, offset: Int64) -> Civil {
        let (days, secondOfDay) = floorDivMod(seconds + offset, 86_400)
        let date = civilFromDays(days)
        return Civil(year: date.year, month: date.month, day: date.day,
                     hour: secondOfDay / 3600, minute: secondOfDay % 3600 / 60,
                     second: secondOfDay % 60, epochDay: days)
    }

    static func isValid(_ ts: CELTimestamp) -> Bool {
        ts.seconds >= minTimestampSeconds && ts.seconds <= maxTimestampSeconds
            && ts.nanos >= 0 && Int64(ts.nanos) < nanosPerSecond
    }

    // MARK: - RFC 3339

    enum ParseError: Error, Equatable {
        case syntax(String)
        case range(String)
        var message: String {
            switch self {
            case .syntax(let m), .range(let m): return m
            }
        }
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (1 to 9 fraction digits).
    static func parseTimestamp(_ text: String) throws(ParseError) -> CELTimestamp {
        let b = Array(text.utf8)
        var i = 0
        func fail() -> ParseError { .syntax("timestamp \"\(text)\" is not RFC 3339 (YYYY-MM-DDTHH:MM:SS[.fff]Z)") }
        func digits(_ n: Int) throws(ParseError) -> Int64 {
            guard i + n <= b.count else { throw fail() }
            var v: Int64 = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 0x30, c <= 0x39 else { throw fail() }
                v = v * 10 + Int64(c - 0x30)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) throws(ParseError) {
            guard i < b.count, b[i] == c else { throw fail() }
            i += 1
        }
        // A year with more than four digits is well-formed but out of range.
        var yearDigits = 0
        while i + yearDigits < b.count, b[i + yearDigits] >= 0x30, b[i + yearDigits] <= 0x39 { yearDigits += 1 }
        if yearDigits > 4 { throw .range("timestamp \"\(text)\" is out of range (years 0001-9999)") }
        let year = try digits(4)
        try expect(0x2D)
        let month = try digits(2)
        try expect(0x2D)
        let day = try digits(2)
        guard i < b.count, b[i] == 0x54 || b[i] == 0x74 else { throw fail() }
        i += 1
        let hour = try digits(2)
        try expect(0x3A)
        let minute = try digits(2)
        try expect(0x3A)
        let second = try digits(2)
        var nanos: Int64 = 0
        if i < b.count, b[i] == 0x2E {
            i += 1
            var count = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                guard count < 9 else { throw fail() }
                nanos = nanos * 10 + Int64(b[i] - 0x30)
                count += 1
                i += 1
            }
            guard count > 0 else { throw fail() }
            for _ in count..<9 { nanos *= 10 }
        }
        guard i < b.count else { throw fail() }
        var offset: Int64 = 0
        switch b[i] {
        case 0x5A, 0x7A:
            i += 1
        case 0x2B, 0x2D:
            let negative = b[i] == 0x2D
            i += 1
            let oh = try digits(2)
            try expect(0x3A)
            let om = try digits(2)
            guard oh < 24, om < 60 else { throw fail() }
            offset = (oh * 3600 + om * 60) * (negative ? -1 : 1)
        default:
            throw fail()
        }
        guard i == b.count else { throw fail() }
        guard month >= 1, month <= 12, day >= 1, hour < 24, minute < 60, second < 60 else { throw fail() }
        if year == 0 { throw .range("timestamp \"\(text)\" is out of range (years 0001-9999)") }
        guard day <= daysInMonth(year: year, month: month) else { throw fail() }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        let ts = CELTimestamp(seconds: seconds, nanos: Int32(nanos))
        guard isValid(ts) else { throw .range("timestamp \"\(text)\" is out of range (years 0001-9999)") }
        return ts
    }

    // MARK: - Durations

    /// CEL durations are limited to a single int64 count of nanoseconds (about ±292 years).
    static func duration(nanos: Int64) -> CELDuration {
        CELDuration(seconds: nanos / nanosPerSecond, nanos: Int32(nanos % nanosPerSecond))
    }

    /// The total nanoseconds of a duration, or nil when it does not fit in an int64.
    static func totalNanos(_ d: CELDuration) -> Int64? {
        let (m, o1) = d.seconds.multipliedReportingOverflow(by: nanosPerSecond)
        let (t, o2) = m.addingReportingOverflow(Int64(d.nanos))
        return o1 || o2 ? nil : t
    }

    /// Parses Go-style durations: `[-+]?(\d*(\.\d*)?(h|m|s|ms|us|µs|μs|ns))+` or `0`.
    static func parseDuration(_ text: String) throws(ParseError) -> CELDuration {
        let scalars = Array(text.unicodeScalars)
        func fail() -> ParseError { .syntax("invalid duration \"\(text)\"") }
        func range() -> ParseError { .range("duration \"\(text)\" is out of range (about ±292 years)") }
        var i = 0
        var negative = false
        if i < scalars.count, scalars[i] == "-" || scalars[i] == "+" {
            negative = scalars[i] == "-"
            i += 1
        }
        if i < scalars.count, scalars[i] == "0", i + 1 == scalars.count { return CELDuration(seconds: 0, nanos: 0) }
        guard i < scalars.count else { throw fail() }
        let limit: UInt64 = 1 << 63
        var total: UInt64 = 0
        while i < scalars.count {
            var whole: UInt64 = 0
            var sawDigits = false
            while i < scalars.count, let d = digitValue(scalars[i]) {
                let (m, o1) = whole.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(d)
                if o1 || o2 { throw range() }
                whole = a
                sawDigits = true
                i += 1
            }
            var frac: UInt64 = 0
            var scale: UInt64 = 1
            if i < scalars.count, scalars[i] == "." {
                i += 1
                while i < scalars.count, let d = digitValue(scalars[i]) {
                    sawDigits = true
                    if scale < 1_000_000_000_000_000_000 {  // digits past 1e-18 cannot matter
                        frac = frac * 10 + d
                        scale *= 10
                    }
                    i += 1
                }
            }
            guard sawDigits else { throw fail() }
            var unitEnd = i
            while unitEnd < scalars.count, scalars[unitEnd] != ".", digitValue(scalars[unitEnd]) == nil { unitEnd += 1 }
            let unitName = String(String.UnicodeScalarView(scalars[i..<unitEnd]))
            let unit: UInt64
            switch unitName {
            case "ns": unit = 1
            case "us", "µs", "μs": unit = 1_000
            case "ms": unit = 1_000_000
            case "s": unit = 1_000_000_000
            case "m": unit = 60_000_000_000
            case "h": unit = 3_600_000_000_000
            case "": throw .syntax("missing unit in duration \"\(text)\"")
            default: throw .syntax("unknown unit \"\(unitName)\" in duration \"\(text)\"")
            }
            i = unitEnd
            let (wholeNanos, o1) = whole.multipliedReportingOverflow(by: unit)
            if o1 { throw range() }
            // frac / scale * unit, exactly: frac < scale ≤ 1e18, so the quotient is below `unit`.
            let fracNanos = scale.dividingFullWidth(frac.multipliedFullWidth(by: unit)).quotient
            let (sum1, o2) = total.addingReportingOverflow(wholeNanos)
            let (sum2, o3) = sum1.addingReportingOverflow(fracNanos)
            if o2 || o3 || sum2 > limit { throw range() }
            total = sum2
        }
        if negative {
            return duration(nanos: total == limit ? Int64.min : -Int64(total))
        }
        guard total < limit else { throw range() }
        return duration(nanos: Int64(total))
    }

    private static func digitValue(_ s: Unicode.Scalar) -> UInt64? {
        s.value >= 0x30 && s.value <= 0x39 ? UInt64(s.value - 0x30) : nil
    }
}
