import CEL

/// Bounds on what a response may carry, checked before the response bytes exist.
enum ResponseLimits {
    /// True when the compact JSON text of `value` (as `Value.jsonData()` writes it) might be
    /// longer than `limit` bytes. Walks the value without building anything and stops as
    /// soon as the running bound passes `limit`, so a result that would need gigabytes
    /// (a list repeating one large string, say) costs at most `limit` bytes of scanning.
    /// Numbers, timestamps, durations and network addresses count their longest form, so
    /// the bound is never below the real size.
    static func exceeds(_ value: Value, limit: Int) -> Bool {
        var total = 0
        return !fits(value, limit: limit, total: &total, depth: 0)
    }

    private static func fits(_ value: Value, limit: Int, total: inout Int, depth: Int) -> Bool {
        switch value {
        case .null, .bool: total += 5
        case .int, .uint: total += 20
        case .double: total += 32
        case .timestamp, .duration: total += 64
        case .ip, .cidr: total += 48  // 39 for the longest IPv6 address, "/128" and the quotes
        case .type(let type): total += type.runtimeName.utf8.count + 2
        case .error: return true  // refused by the writer anyway
        case .string(let string):
            return fits(string: string, limit: limit, total: &total)
        case .bytes(let bytes):
            total += (bytes.count + 2) / 3 * 4 + 2
        case .optional(let optional):
            guard let inner = optional.value else { total += 4; break }
            return fits(inner, limit: limit, total: &total, depth: depth)
        case .list(let items):
            total += 2 + items.count
            if total > limit { return false }
            // Deeper values are refused by the writer; no need to walk them.
            guard depth < 1024 else { return true }
            for item in items where !fits(item, limit: limit, total: &total, depth: depth + 1) { return false }
        case .map(let map):
            total += 2 + 2 * map.count
            if total > limit { return false }
            guard depth < 1024 else { return true }
            for (key, item) in zip(map.keys, map.values) {
                switch key {
                case .string(let name): if !fits(string: name, limit: limit, total: &total) { return false }
                default: total += 22
                }
                if !fits(item, limit: limit, total: &total, depth: depth + 1) { return false }
            }
        }
        return total <= limit
    }

    /// Quotes and escapes counted exactly: the length first (cheap), the escapes only while
    /// the total is still within the limit.
    private static func fits(string: String, limit: Int, total: inout Int) -> Bool {
        total += string.utf8.count + 2
        if total > limit { return false }
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x0A, 0x0D, 0x09: total += 1
            case 0..<0x20, 0x7F: total += 5
            default: continue
            }
            if total > limit { return false }
        }
        return true
    }
}
