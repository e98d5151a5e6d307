extension Value {
    /// Decodes a JSON document (RFC 8259, UTF-8): `null`, booleans, strings, arrays as
    /// lists, objects as maps with string keys, and numbers as `int` when they have no
    /// fraction or exponent and fit int64, else `double`. The parser is iterative (no
    /// recursion), so no input can exhaust the stack. Errors carry the byte offset: invalid
    /// UTF-8, unpaired surrogate escapes, control characters in strings, duplicate object
    /// keys, nesting deeper than `limits.maxJSONDepth` (and never deeper than 1,000), arrays or objects larger than
    /// `limits.maxCollectionSize`, strings longer than `limits.maxStringBytes`, numbers
    /// beyond the double range, and anything after the document.
    public init(json: [UInt8], limits: Limits = .default) throws(JSONError) {
        let result: Result<Value, JSONError> = json.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(input: buffer, limits: limits)
            return parser.parseDocument()
        }
        switch result {
        case .success(let v): self = v
        case .failure(let e): throw e
        }
    }

    /// Decodes a JSON document held in a string (see ``init(json:limits:)-([UInt8],_)``).
    public init(json: String, limits: Limits = .default) throws(JSONError) {
        try self.init(json: Array(json.utf8), limits: limits)
    }
}

/// The decoder's state over one input buffer.
struct JSONParser {
    private let input: UnsafeBufferPointer<UInt8>
    private let limits: Limits
    private var position = 0

    /// An open array or object.
    private struct Frame {
        var isObject: Bool
        var items: [Value] = []
        var map = CELMap()
        var key: Value = .null
        var keyOffset = 0
    }

    /// The deepest nesting accepted whatever the limits say: values nested much deeper
    /// could exhaust the stack when they are compared, printed or deallocated.
    static let absoluteMaxDepth = 1_000

    private let maxDepth: Int

    init(input: UnsafeBufferPointer<UInt8>, limits: Limits) {
        self.input = input
        self.limits = limits
        self.maxDepth = min(limits.maxJSONDepth, Self.absoluteMaxDepth)
    }

    mutating func parseDocument() -> Result<Value, JSONError> {
        do throws(JSONError) {
            let value = try parseValue()
            skipWhitespace()
            if position < input.count { throw error("unexpected data after the JSON value") }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    private func error(_ message: String, at offset: Int? = nil) -> JSONError {
        JSONError(message, offset: offset ?? position)
    }

    private mutating func skipWhitespace() {
        while position < input.count {
            switch input[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private var current: UInt8? { position < input.count ? input[position] : nil }

    /// Parses one value, keeping open containers on an explicit stack.
    private mutating func parseValue() throws(JSONError) -> Value {
        var stack: [Frame] = []
        var value: Value
        parsing: while true {
            // Parse the start of a value: a scalar, or open a container.
            skipWhitespace()
            guard let c = current else { throw error("unexpected end of input, expected a value") }
            switch c {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                if stack.count >= maxDepth {
                    throw error("nesting deeper than the limit of \(maxDepth)")
                }
                position += 1
                skipWhitespace()
                if c == UInt8(ascii: "[") {
                    if current == UInt8(ascii: "]") {
                        position += 1
                        value = .list([])
                    } else {
                        stack.append(Frame(isObject: false))
                        continue parsing
                    }
                } else {
                    if current == UInt8(ascii: "}") {
                        position += 1
                        value = .map(CELMap())
                    } else {
                        var frame = Frame(isObject: true)
                        try parseKey(into: &frame)
                        stack.append(frame)
                        continue parsing
                    }
                }
            case UInt8(ascii: "\""): value = .string(try parseString())
            case UInt8(ascii: "t"): try expectLiteral("true"); value = .bool(true)
            case UInt8(ascii: "f"): try expectLiteral("false"); value = .bool(false)
            case UInt8(ascii: "n"): try expectLiteral("null"); value = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): value = try parseNumber()
            default: throw error("unexpected character, expected a value")
            }
            // Hand the finished value to the enclosing containers, closing those that end.
            while let top = stack.indices.last {
                skipWhitespace()
                if stack[top].isObject {
                    guard stack[top].map.count < limits.maxCollectionSize else {
                        throw error("object larger than the limit of \(limits.maxCollectionSize) entries")
                    }
                    let key = stack[top].key
                    guard stack[top].map.insert(key: key, value: value) else {
                        throw error("duplicate key \(key) in object", at: stack[top].keyOffset)
                    }
                    switch current {
                    case UInt8(ascii: ","):
                        position += 1
                        skipWhitespace()
                        try parseKey(into: &stack[top])
                        continue parsing
                    case UInt8(ascii: "}"):
                        position += 1
                        value = .map(stack.removeLast().map)
                    default:
                        throw error("expected ',' or '}' in object")
                    }
                } else {
                    guard stack[top].items.count < limits.maxCollectionSize else {
                        throw error("array longer than the limit of \(limits.maxCollectionSize) elements")
                    }
                    stack[top].items.append(value)
                    switch current {
                    case UInt8(ascii: ","):
                        position += 1
                        continue parsing
                    case UInt8(ascii: "]"):
                        position += 1
                        value = .list(stack.removeLast().items)
                    default:
                        throw error("expected ',' or ']' in array")
                    }
                }
            }
            return value
        }
    }

    /// Parses `"key" :` and leaves the position at the value.
    private mutating func parseKey(into frame: inout Frame) throws(JSONError) {
        guard current == UInt8(ascii: "\"") else { throw error("expected a string key in object") }
        frame.keyOffset = position
        frame.key = .string(try parseString())
        skipWhitespace()
        guard current == UInt8(ascii: ":") else { throw error("expected ':' after object key") }
        position += 1
    }

    private mutating func expectLiteral(_ word: StaticString) throws(JSONError) {
        let count = word.utf8CodeUnitCount
        guard input.count - position >= count else { throw error("invalid literal") }
        let bytes = UnsafeBufferPointer(start: word.utf8Start, count: count)
        for i in 0..<count where input[position + i] != bytes[i] {
            throw error("invalid literal")
        }
        position += count
    }

    /// Parses a number at the current position (RFC 8259 grammar).
    private mutating func parseNumber() throws(JSONError) -> Value {
        let start = position
        var isInteger = true
        if current == UInt8(ascii: "-") { position += 1 }
        guard let first = current, first >= 48, first <= 57 else { throw error("invalid number", at: start) }
        position += 1
        if first != 48 { skipDigits() }
        if current == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard skipDigits() > 0 else { throw error("expected digits after '.'", at: start) }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard skipDigits() > 0 else { throw error("expected digits in exponent", at: start) }
        }
        let text = UnsafeBufferPointer(rebasing: input[start..<position])
        if isInteger, let i = Self.int64(text) { return .int(i) }
        guard let d = Double(String(decoding: text, as: UTF8.self)), d.isFinite else {
            throw error("number out of range", at: start)
        }
        return .double(d)
    }

    @discardableResult
    private mutating func skipDigits() -> Int {
        let start = position
        while position < input.count, input[position] >= 48, input[position] <= 57 { position += 1 }
        return position - start
    }

    /// The int64 value of an optionally negative digit string, or nil when out of range.
    private static func int64(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        var negative = false
        var i = 0
        if text.first == UInt8(ascii: "-") { negative = true; i = 1 }
        var magnitude: UInt64 = 0
        while i < text.count {
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(text[i] - 48))
            if o1 || o2 { return nil }
            magnitude = s
            i += 1
        }
        if negative {
            if magnitude <= UInt64(Int64.max) { return -Int64(magnitude) }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// Parses a string literal, validating UTF-8 and escapes.
    private mutating func parseString() throws(JSONError) -> String {
        position += 1  // the opening quote
        let start = position
        // Fast path: no escapes; validate and copy the run in one go.
        while position < input.count {
            let c = input[position]
            if c == UInt8(ascii: "\"") {
                let run = UnsafeBufferPointer(rebasing: input[start..<position])
                try checkStringLength(run.count)
                position += 1
                return String(decoding: run, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw error("control character in string") }
            if c < 0x80 { position += 1 } else { try skipUTF8Sequence() }
        }
        var bytes = Array(UnsafeBufferPointer(rebasing: input[start..<position]))
        while position < input.count {
            let c = input[position]
            switch c {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: bytes, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &bytes)
            case 0..<0x20:
                throw error("control character in string")
            case 0..<0x80:
                bytes.append(c)
                position += 1
            default:
                let sequenceStart = position
                try skipUTF8Sequence()
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: input[sequenceStart..<position]))
            }
            try checkStringLength(bytes.count)
        }
        throw error("unterminated string")
    }

    private func checkStringLength(_ count: Int) throws(JSONError) {
        if count > limits.maxStringBytes {
            throw error("string longer than the limit of \(limits.maxStringBytes) bytes")
        }
    }

    /// Validates one multi-byte UTF-8 sequence (no overlong forms, no surrogates, at most U+10FFFF).
    private mutating func skipUTF8Sequence() throws(JSONError) {
        let c = input[position]
        let length: Int
        var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
        switch c {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: throw error("invalid UTF-8")
        }
        guard input.count - position >= length else { throw error("invalid UTF-8") }
        let second = input[position + 1]
        guard second >= lower, second <= upper else { throw error("invalid UTF-8") }
        for i in 2..<max(length, 2) where input[position + i] & 0xC0 != 0x80 {
            throw error("invalid UTF-8")
        }
        position += length
    }

    private mutating func parseEscape(into bytes: inout [UInt8]) throws(JSONError) {
        let escapeStart = position
        position += 1
        guard let c = current else { throw error("unterminated string") }
        position += 1
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(c)
        case UInt8(ascii: "b"): bytes.append(0x08)
        case UInt8(ascii: "f"): bytes.append(0x0C)
        case UInt8(ascii: "n"): bytes.append(0x0A)
        case UInt8(ascii: "r"): bytes.append(0x0D)
        case UInt8(ascii: "t"): bytes.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if scalar >= 0xD800 && scalar <= 0xDBFF {
                guard input.count - position >= 6, input[position] == UInt8(ascii: "\\"),
                      input[position + 1] == UInt8(ascii: "u") else {
                    throw error("unpaired surrogate in \\u escape", at: escapeStart)
                }
                position += 2
                let low = try hex4()
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw error("unpaired surrogate in \\u escape", at: escapeStart)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                throw error("unpaired surrogate in \\u escape", at: escapeStart)
            }
            guard let s = Unicode.Scalar(scalar) else { throw error("invalid \\u escape", at: escapeStart) }
            Self.appendUTF8(s, to: &bytes)
        default:
            throw error("invalid escape sequence", at: escapeStart)
        }
    }

    private static func appendUTF8(_ s: Unicode.Scalar, to bytes: inout [UInt8]) {
        let v = s.value
        switch v {
        case 0..<0x80:
            bytes.append(UInt8(v))
        case 0x80..<0x800:
            bytes.append(UInt8(0xC0 | v >> 6))
            bytes.append(UInt8(0x80 | v & 0x3F))
        case 0x800..<0x10000:
            bytes.append(UInt8(0xE0 | v >> 12))
            bytes.append(UInt8(0x80 | v >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | v & 0x3F))
        default:
            bytes.append(UInt8(0xF0 | v >> 18))
            bytes.append(UInt8(0x80 | v >> 12 & 0x3F))
            bytes.append(UInt8(0x80 | v >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | v & 0x3F))
        }
    }

    private mutating func hex4() throws(JSONError) -> UInt32 {
        guard input.count - position >= 4 else { throw error("invalid \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = input[position]
            let digit: UInt32
            switch c {
            case 48...57: digit = UInt32(c - 48)
            case 65...70: digit = UInt32(c - 55)
            case 97...102: digit = UInt32(c - 87)
            default: throw error("invalid \\u escape")
            }
            v = v << 4 | digit
            position += 1
        }
        return v
    }
}
