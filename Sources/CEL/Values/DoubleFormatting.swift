/// Text forms of doubles shared by `string(double)`, value printing and JSON.
public enum DoubleFormatting {
    /// The shortest decimal digits that round-trip `value` (finite, non-zero magnitude)
    /// and the position of the decimal point: value = 0.DIGITS × 10^point.
    static func shortestDigits(_ value: Double) -> (digits: [UInt8], point: Int) {
        // Swift's description is the shortest round-trip form ("123.456", "1e-05", "1.5e+20").
        var digits: [UInt8] = []
        var intLength = 0
        var seenPoint = false
        var exponent = 0
        var exponentSign = 1
        var inExponent = false
        for c in value.magnitude.description.utf8 {
            if inExponent {
                if c == UInt8(ascii: "-") { exponentSign = -1 } else if c >= 48 && c <= 57 {
                    exponent = exponent * 10 + Int(c - 48)
                }
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                inExponent = true
            } else if c == UInt8(ascii: ".") {
                seenPoint = true
            } else if c >= 48 && c <= 57 {
                digits.append(c)
                if !seenPoint { intLength += 1 }
            }
        }
        var point = intLength + exponentSign * exponent
        var leading = 0
        while leading < digits.count && digits[leading] == 48 { leading += 1 }
        digits.removeFirst(leading)
        point -= leading
        while let last = digits.last, last == 48 { digits.removeLast() }
        return (digits, point)
    }

    /// Go's `%g` with the shortest precision, which cel-go uses for `string(double)`:
    /// "123.456", "-0.0045", "1e+06", "1.5e-07", "+Inf", "-Inf", "NaN", "-0".
    public static func goShortest(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        let sign = value.sign == .minus ? "-" : ""
        let (digits, point) = shortestDigits(value)
        guard let firstDigit = digits.first else { return sign + "0" }
        let exp = point - 1
        var out = [UInt8]()
        out.reserveCapacity(digits.count + 8)
        if exp < -4 || exp >= 6 {
            out.append(firstDigit)
            if digits.count > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            out.append(UInt8(ascii: "e"))
            out.append(exp < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            let e = exp.magnitude
            if e < 10 { out.append(48) }
            out.append(contentsOf: String(e).utf8)
        } else if point <= 0 {
            out.append(contentsOf: "0.".utf8)
            out.append(contentsOf: repeatElement(48, count: -point))
            out.append(contentsOf: digits)
        } else if point >= digits.count {
            out.append(contentsOf: digits)
            out.append(contentsOf: repeatElement(48, count: point - digits.count))
        } else {
            out.append(contentsOf: digits[..<point])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[point...])
        }
        return sign + String(decoding: out, as: UTF8.self)
    }

    /// The shortest round-trip form that always reads back as a double: it has a
    /// fraction or an exponent ("1.0", "0.1", "1e+16", "5e-324"). Finite values only.
    public static func roundTrip(_ value: Double) -> String {
        value.description
    }
}
