import Foundation
import Synchronization

/// Time-zone arguments of the timestamp accessors: `"UTC"`, IANA names such as
/// `"America/Los_Angeles"` (read through Foundation from the system tzdata), and
/// fixed offsets `"+05:30"`, `"-08:00"`, `"02:00"` (as cel-go accepts them).
enum TimeZones {
    enum Zone: Sendable {
        case fixed(seconds: Int64)
        case named(TimeZone)

        /// Seconds east of UTC in effect at the given Unix second.
        func offset(at seconds: Int64) -> Int64 {
            switch self {
            case .fixed(let s): return s
            case .named(let tz):
                return Int64(tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))))
            }
        }
    }

    /// The zone for a CEL time-zone string, or nil when it is not one.
    static func zone(_ name: String) -> Zone? {
        if name == "UTC" || name == "Z" { return .fixed(seconds: 0) }
        if name.utf8.contains(0x3A) { return fixedOffset(name) }
        return named(name)
    }

    /// `[+-]?H{1,2}:MM`; the sign applies to the whole offset (cel-go semantics).
    private static func fixedOffset(_ text: String) -> Zone? {
        var b = Array(text.utf8)[...]
        var negative = false
        if let f = b.first, f == 0x2B || f == 0x2D {
            negative = f == 0x2D
            b = b.dropFirst()
        }
        let parts = b.split(separator: 0x3A, omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
              let h = number(parts[0]), let m = number(parts[1]), h < 24, m < 60 else { return nil }
        let seconds = h * 3600 + m * 60
        return .fixed(seconds: negative ? -seconds : seconds)
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int64? {
        var v: Int64 = 0
        for c in digits {
            guard c >= 0x30, c <= 0x39 else { return nil }
            v = v * 10 + Int64(c - 0x30)
        }
        return v
    }

    /// IANA names are looked up once and cached; only well-formed names reach the
    /// tzdata files, so no argument can name a path outside the zone database.
    private static func named(_ name: String) -> Zone? {
        guard isPlausibleZoneName(name) else { return nil }
        if let cached = cache.get(name) { return .named(cached) }
        guard let tz = TimeZone(identifier: name) else { return nil }
        cache.put(name, tz)
        return .named(tz)
    }

    private static func isPlausibleZoneName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 64, !name.hasPrefix("/"), !name.contains("..") else { return false }
        return name.utf8.allSatisfy { c in
            (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39)
                || c == 0x2F || c == 0x5F || c == 0x2D || c == 0x2B
        }
    }

    private static let cache = ZoneCache()

    /// Zones by name. It only ever holds zones that exist in the tzdata (a few hundred at
    /// most), so it needs no eviction. The lock is held for the dictionary access only.
    private final class ZoneCache: Sendable {
        private let zones = Mutex<[String: TimeZone]>([:])

        func get(_ name: String) -> TimeZone? {
            zones.withLock { $0[name] }
        }

        func put(_ name: String, _ tz: TimeZone) {
            zones.withLock { $0[name] = tz }
        }
    }
}
