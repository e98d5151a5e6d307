/// Parses PostgreSQL's ISO DateStyle output for `timestamptz`, `timestamp` and `date`.
enum TimestampText {
    /// Seconds since 1970-01-01 00:00:00 UTC, or `nil` when `text` is not in that format.
    static func secondsSince1970(_ text: String) -> Double? {
        switch text {
        case "infinity": return 64_092_211_200  // Date.distantFuture (year 4001)
        case "-infinity": return -62_135_769_600  // Date.distantPast (year 1)
        default: break
        }
        var scanner = Scanner(Array(text.utf8))
        guard let year = scanner.integer(minDigits: 4, maxDigits: 7), scanner.take("-"),
            let month = scanner.integer(minDigits: 2, maxDigits: 2), scanner.take("-"),
            let day = scanner.integer(minDigits: 2, maxDigits: 2),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var seconds = Double(daysSince1970(year: year, month: month, day: day)) * 86_400
        if scanner.atEnd { return seconds }
        guard scanner.take(" ") || scanner.take("T"),
            let hour = scanner.integer(minDigits: 2, maxDigits: 2), scanner.take(":"),
            let minute = scanner.integer(minDigits: 2, maxDigits: 2), scanner.take(":"),
            let second = scanner.integer(minDigits: 2, maxDigits: 2),
            hour <= 24, minute <= 59, second <= 60
        else { return nil }
        seconds += Double(hour * 3600 + minute * 60 + second)
        if scanner.take(".") {
            var scale = 0.1
            var fraction = 0.0
            var digits = 0
            while let digit = scanner.digit() {
                fraction += Double(digit) * scale
                scale /= 10
                digits += 1
            }
            guard digits > 0 else { return nil }
            seconds += fraction
        }
        if scanner.atEnd { return seconds }
        let sign: Int
        if scanner.take("+") {
            sign = 1
        } else if scanner.take("-") {
            sign = -1
        } else {
            return nil
        }
        guard let offsetHours = scanner.integer(minDigits: 2, maxDigits: 2) else { return nil }
        var offset = offsetHours * 3600
        if scanner.take(":") {
            guard let offsetMinutes = scanner.integer(minDigits: 2, maxDigits: 2) else { return nil }
            offset += offsetMinutes * 60
            if scanner.take(":") {
                guard let offsetSeconds = scanner.integer(minDigits: 2, maxDigits: 2) else { return nil }
                offset += offsetSeconds
            }
        }
        guard scanner.atEnd else { return nil }
        return seconds - Double(sign * offset)
    }

    /// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let monthIndex = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index == bytes.count }

        mutating func take(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        mutating func digit() -> Int? {
            guard index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9")
            else { return nil }
            defer { index += 1 }
            return Int(bytes[index] - UInt8(ascii: "0"))
        }

        /// Reads between `minDigits` and `maxDigits` decimal digits (so no overflow is possible).
        mutating func integer(minDigits: Int, maxDigits: Int) -> Int? {
            var value = 0
            var count = 0
            while count < maxDigits, let next = digit() {
                value = value * 10 + next
                count += 1
            }
            return count >= minDigits ? value : nil
        }
    }
}
