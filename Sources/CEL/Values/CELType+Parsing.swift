extension CELType {
    /// Parses a type name as CEL writes it: `int`, `list(int)`, `map(string, dyn)`,
    /// `google.protobuf.Timestamp`. Unknown simple names become opaque types; malformed
    /// text gives nil.
    public init?(parsing text: String) {
        var parser = TypeNameParser(Array(text.utf8))
        guard let type = parser.parse(), parser.atEnd else { return nil }
        self = type
    }
}

/// A recursive-descent parser for type names (`map(string, list(int))`).
private struct TypeNameParser {
    let bytes: [UInt8]
    var i = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool {
        mutating get {
            skipSpace()
            return i == bytes.count
        }
    }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == UInt8(ascii: " ") { i += 1 }
    }

    mutating func eat(_ c: Character) -> Bool {
        skipSpace()
        guard let a = c.asciiValue, i < bytes.count, bytes[i] == a else { return false }
        i += 1
        return true
    }

    mutating func parse(depth: Int = 0) -> CELType? {
        guard depth < 32 else { return nil }
        skipSpace()
        let start = i
        while i < bytes.count, bytes[i] != UInt8(ascii: "("), bytes[i] != UInt8(ascii: ")"),
              bytes[i] != UInt8(ascii: ","), bytes[i] != UInt8(ascii: " ") { i += 1 }
        let name = String(decoding: bytes[start..<i], as: UTF8.self)
        var params: [CELType] = []
        if eat("(") {
            repeat {
                guard let p = parse(depth: depth + 1) else { return nil }
                params.append(p)
            } while eat(",")
            guard eat(")") else { return nil }
        }
        switch (name, params.count) {
        case ("dyn", 0): return .dyn
        case ("list", 1): return .list(params[0])
        case ("map", 2): return .map(params[0], params[1])
        case ("optional_type", 1): return .optional(params[0])
        case ("type", 1): return .type(params[0])
        case (_, 0): return CELType.standardType(named: name) ?? .opaque(name, [])
        default: return .opaque(name, params)
        }
    }
}
