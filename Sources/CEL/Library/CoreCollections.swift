/// Indexing (`list[i]`, `map[k]`), `size`, the string predicates `contains`,
/// `startsWith`, `endsWith`, and `@mapInsert` (the accumulator step of `transformMap`).
enum CoreCollections {
    /// The function name the `transformMap` expansion calls.
    static let mapInsert = "@mapInsert"

    static func declarations(limits: Limits) -> [FunctionDecl] {
        let maxItems = limits.maxCollectionSize
        let insertOverloads = [
            Overload(id: "@mapInsert_map_key_value", params: [.map(Core.k, Core.v), Core.k, Core.v],
                     result: .map(Core.k, Core.v), implementation: .ternary { m, k, v in
                         insert(m, k, v, maxItems: maxItems)
                     }),
            Core.binary("@mapInsert_map_map", .map(Core.k, Core.v), .map(Core.k, Core.v), .map(Core.k, Core.v)) { a, b in
                guard case .map(var x) = a, case .map(let y) = b else { return Core.noOverload(mapInsert, a, b) }
                if x.count + y.count > maxItems { return Core.limitExceeded("map size", maxItems, "maxCollectionSize") }
                for i in 0..<y.count where !x.insert(key: y.keys[i], value: y.values[i]) {
                    return .error(CELError("insert failed: key \(y.keys[i]) already exists"))
                }
                return .map(x)
            },
        ]
        return [
            FunctionDecl(name: Operators.index, overloads: [
                Core.binary("index_list", .list(Core.a), .int, Core.a, index),
                Core.binary("index_list_uint64", .list(Core.a), .uint, Core.a, index),
                Core.binary("index_list_double", .list(Core.a), .double, Core.a, index),
                Core.binary("index_map", .map(Core.k, Core.v), Core.k, Core.v, index),
            ]),
            FunctionDecl(name: "size", overloads: [
                Core.unary("size_string", .string, .int, size),
                Core.unary("size_bytes", .bytes, .int, size),
                Core.unary("size_list", .list(Core.a), .int, size),
                Core.unary("size_map", .map(Core.k, Core.v), .int, size),
                Core.unary("string_size", .string, .int, instance: true, size),
                Core.unary("bytes_size", .bytes, .int, instance: true, size),
                Core.unary("list_size", .list(Core.a), .int, instance: true, size),
                Core.unary("map_size", .map(Core.k, Core.v), .int, instance: true, size),
            ]),
            FunctionDecl(name: "contains", overloads: [
                Core.binary("contains_string", .string, .string, .bool, instance: true) { a, b in
                    guard case .string(let s) = a, case .string(let t) = b else { return Core.noOverload("contains", a, b) }
                    return .bool(UTF8Search.contains(s, t))
                },
            ]),
            FunctionDecl(name: "startsWith", overloads: [
                Core.binary("starts_with_string", .string, .string, .bool, instance: true) { a, b in
                    guard case .string(let s) = a, case .string(let t) = b else { return Core.noOverload("startsWith", a, b) }
                    return .bool(UTF8Search.hasPrefix(s, t))
                },
            ]),
            FunctionDecl(name: "endsWith", overloads: [
                Core.binary("ends_with_string", .string, .string, .bool, instance: true) { a, b in
                    guard case .string(let s) = a, case .string(let t) = b else { return Core.noOverload("endsWith", a, b) }
                    return .bool(UTF8Search.hasSuffix(s, t))
                },
            ]),
            FunctionDecl(name: mapInsert, overloads: insertOverloads),
            FunctionDecl(name: "cel." + mapInsert, overloads: insertOverloads),
        ]
    }

    /// `list[i]` with an int, uint or integral double index, and `map[key]`.
    @Sendable static func index(_ container: Value, _ key: Value) -> Value {
        switch (container, key) {
        case (.list(let items), .int(let i)):
            guard i >= 0, i < Int64(items.count) else { return outOfBounds(key, items.count) }
            return items[Int(i)]
        case (.list(let items), .uint(let i)):
            guard i < UInt64(items.count) else { return outOfBounds(key, items.count) }
            return items[Int(i)]
        case (.list(let items), .double(let d)):
            guard d.isFinite, d.rounded(.towardZero) == d else {
                return .error(CELError("invalid list index: \(key) is not an integer"))
            }
            guard d >= 0, d < Double(items.count) else { return outOfBounds(key, items.count) }
            return items[Int(d)]
        case (.list, _):
            return Core.noOverload("_[_]", container, key)
        case (.map(let m), _):
            if let v = m[key] { return v }
            switch key {
            case .bool, .int, .uint, .double, .string: return .error(.noSuchKey(key))
            default: return .error(CELError("unsupported map key type: \(key.runtimeType.runtimeName)"))
            }
        default:
            return Core.noOverload("_[_]", container, key)
        }
    }

    private static func outOfBounds(_ index: Value, _ count: Int) -> Value {
        .error(CELError("index out of bounds: \(index), size \(count)"))
    }

    /// `size(x)`: code points of a string, bytes, elements, entries.
    @Sendable static func size(_ a: Value) -> Value {
        switch a {
        case .string(let s): return .int(Int64(UTF8Search.codePointCount(s)))
        case .bytes(let b): return .int(Int64(b.count))
        case .list(let l): return .int(Int64(l.count))
        case .map(let m): return .int(Int64(m.count))
        default: return Core.noOverload("size", a)
        }
    }

    /// Adds a new key to a map; an existing key is an error (map literals forbid duplicates too).
    static func insert(_ m: Value, _ key: Value, _ value: Value, maxItems: Int) -> Value {
        guard case .map(var map) = m else { return Core.noOverload(mapInsert, m, key, value) }
        if map.count >= maxItems { return Core.limitExceeded("map size", maxItems, "maxCollectionSize") }
        guard CELMap.key(for: key) != nil, !key.isDoubleKey else {
            return .error(CELError("unsupported map key type: \(key.runtimeType.runtimeName)"))
        }
        guard map.insert(key: key, value: value) else {
            return .error(CELError("insert failed: key \(key) already exists"))
        }
        return .map(map)
    }
}

private extension Value {
    var isDoubleKey: Bool {
        if case .double = self { return true }
        return false
    }
}

/// Code-point-exact substring tests on UTF-8 (no Unicode normalisation, unlike `String`'s
/// own `hasPrefix`). Valid UTF-8 is self-synchronising, so a byte match is a code point match.
enum UTF8Search {
    /// Runs `body` over the UTF-8 bytes of both strings without copying native strings.
    @inline(__always)
    static func withBytes<R>(_ a: String, _ b: String,
                             _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = a.utf8.withContiguousStorageIfAvailable({ ab in
            b.utf8.withContiguousStorageIfAvailable { bb in body(ab, bb) }
        }), let result = r {
            return result
        }
        return Array(a.utf8).withUnsafeBufferPointer { ab in
            Array(b.utf8).withUnsafeBufferPointer { bb in body(ab, bb) }
        }
    }

    static func hasPrefix(_ s: String, _ p: String) -> Bool {
        withBytes(s, p) { sb, pb in
            pb.count <= sb.count && equalBytes(sb, at: 0, pb)
        }
    }

    static func hasSuffix(_ s: String, _ p: String) -> Bool {
        withBytes(s, p) { sb, pb in
            pb.count <= sb.count && equalBytes(sb, at: sb.count - pb.count, pb)
        }
    }

    static func contains(_ s: String, _ p: String) -> Bool {
        withBytes(s, p) { sb, pb in firstIndex(of: pb, in: sb) != nil }
    }

    /// Whether `haystack[offset..<offset + needle.count]` equals `needle` (the range must fit).
    @inline(__always)
    static func equalBytes(_ haystack: UnsafeBufferPointer<UInt8>, at offset: Int,
                           _ needle: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < needle.count {
            if haystack[offset + i] != needle[i] { return false }
            i += 1
        }
        return true
    }

    /// The byte offset of the first occurrence of `needle` in `haystack`, if any.
    static func firstIndex(of needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = needle.count, h = haystack.count
        guard n > 0 else { return 0 }
        guard n <= h else { return nil }
        let first = needle[0]
        var i = 0
        let last = h - n
        while i <= last {
            if haystack[i] == first && equalBytes(haystack, at: i, needle) { return i }
            i += 1
        }
        return nil
    }

    /// The number of code points: UTF-8 bytes that do not continue a sequence.
    @inline(__always)
    static func codePointCount(_ s: String) -> Int {
        let bytes = s.utf8.count
        // An ASCII string has as many UTF-16 units as UTF-8 bytes (every other code point
        // has fewer), and the standard library answers `utf16.count` of an ASCII string from
        // the flag it keeps with the string, without reading it. Only below 64 bytes: for a
        // longer non-ASCII string it would build and keep an index (breadcrumbs) to answer.
        if bytes < 64, s.utf16.count == bytes { return bytes }
        return scannedCodePointCount(s)
    }

    private static func scannedCodePointCount(_ s: String) -> Int {
        if let n = s.utf8.withContiguousStorageIfAvailable({ bytes -> Int in
            var count = 0
            for b in bytes where b & 0xC0 != 0x80 { count += 1 }
            return count
        }) {
            return n
        }
        return s.unicodeScalars.count
    }
}
