/// Text forms of timestamps and durations used by value printing and JSON encoding.
enum ValueText {
    /// RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits: "2009-02-13T23:31:30Z",
    /// "2009-02-13T23:31:30.500Z" (the protobuf JSON convention).
    static func rfc3339(_ t: CELTimestamp) -> String {
        let (days, secondOfDay) = floorDivide(t.seconds, 86_400)
        let (year, month, day) = civil(fromDays: days)
        var out = [UInt8]()
        out.reserveCapacity(30)
        if year < 0 { out.append(UInt8(ascii: "-")) }
        appendPadded(&out, year.magnitude, width: 4)
        out.append(UInt8(ascii: "-"))
        appendPadded(&out, UInt64(month), width: 2)
        out.append(UInt8(ascii: "-"))
        appendPadded(&out, UInt64(day), width: 2)
        out.append(UInt8(ascii: "T"))
        appendPadded(&out, UInt64(secondOfDay / 3600), width: 2)
        out.append(UInt8(ascii: ":"))
        appendPadded(&out, UInt64(secondOfDay / 60 % 60), width: 2)
        out.append(UInt8(ascii: ":"))
        appendPadded(&out, UInt64(secondOfDay % 60), width: 2)
        appendFraction(&out, nanos: t.nanos.magnitude, groupsOfThree: true)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Seconds with the shortest exact fraction and an "s": "1.5s", "-0.000000001s", "0s".
    static func duration(_ d: CELDuration) -> String {
        var out = [UInt8]()
        if d.seconds < 0 || d.nanos < 0 { out.append(UInt8(ascii: "-")) }
        out.append(contentsOf: String(d.seconds.magnitude).utf8)
        appendFraction(&out, nanos: d.nanos.magnitude, groupsOfThree: false)
        out.append(UInt8(ascii: "s"))
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendFraction(_ out: inout [UInt8], nanos: UInt32, groupsOfThree: Bool) {
        guard nanos > 0 else { return }
        var digits = [UInt8](repeating: 48, count: 9)
        var n = nanos % 1_000_000_000
        for i in stride(from: 8, through: 0, by: -1) {
            digits[i] = UInt8(48 + n % 10)
            n /= 10
        }
        var length = 9
        while length > 0 && digits[length - 1] == 48 { length -= 1 }
        if groupsOfThree { length = (length + 2) / 3 * 3 }
        out.append(UInt8(ascii: "."))
        out.append(contentsOf: digits[..<length])
    }

    private static func appendPadded(_ out: inout [UInt8], _ value: UInt64, width: Int) {
        let text = String(value).utf8
        if text.count < width { out.append(contentsOf: repeatElement(48, count: width - text.count)) }
        out.append(contentsOf: text)
    }

    /// Floor division and a non-negative remainder.
    static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}
