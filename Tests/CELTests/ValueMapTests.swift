import Testing
@testable import CEL

@Suite("CELMap")
struct ValueMapTests {
    /// The same lookups must agree whether the map is searched linearly or through its index.
    @Test(arguments: [3, CELMap.linearLimit, CELMap.linearLimit + 1, 100])
    func lookupsAcrossSizes(size: Int) {
        var m = CELMap()
        for i in 0..<size {
            let key: Value = switch i % 4 {
            case 0: .int(Int64(i))
            case 1: .uint(UInt64(i))
            case 2: .string("k\(i)")
            default: .bool(i % 8 == 3)
            }
            let fresh = m.insert(key: key, value: .int(Int64(i)))
            // bools repeat after two inserts
            if case .bool = key, i >= 8 { #expect(!fresh) } else { #expect(fresh) }
        }
        for i in 0..<size {
            switch i % 4 {
            case 0:
                #expect(m[.uint(UInt64(i))]?.celEquals(.int(Int64(i))) == true)
                #expect(m[.double(Double(i))]?.celEquals(.int(Int64(i))) == true)
            case 1:
                #expect(m[.int(Int64(i))]?.celEquals(.int(Int64(i))) == true)
            case 2:
                #expect(m[string: "k\(i)"]?.celEquals(.int(Int64(i))) == true)
                #expect(m[.string("k\(i)")] != nil)
            default:
                #expect(m[.bool(i % 8 == 3)] != nil)
            }
        }
        #expect(m[.double(0.5)] == nil)
        #expect(m[.string("missing")] == nil)
        #expect(m[.null] == nil)
        let insertedDouble = m.insert(key: .double(1), value: .null)
        let insertedList = m.insert(key: .list([]), value: .null)
        let updated = m.update(key: .int(0), value: .string("new"))
        #expect(!insertedDouble && !insertedList && updated)
        #expect(m[.uint(0)]?.celEquals(.string("new")) == true)
        #expect(m.keys.count == m.values.count)
    }

    @Test func bigUIntKeys() {
        var m = CELMap()
        for i in 0..<20 { m.insert(key: .uint(UInt64.max - UInt64(i)), value: .int(Int64(i))) }
        m.insert(key: .uint(1 << 63), value: .string("2^63"))
        #expect(m[.uint(UInt64.max)]?.celEquals(.int(0)) == true)
        #expect(m[.double(9223372036854775808.0)]?.celEquals(.string("2^63")) == true)
        #expect(m[.int(-1)] == nil)
    }

    @Test func stringKeysCompareByCodePoint() {
        for size in [1, 20] {
            var m = CELMap()
            for i in 0..<size - 1 { m.insert(key: .string("pad\(i)"), value: .null) }
            let first = m.insert(key: .string("caf\u{E9}"), value: .int(1))
            let second = m.insert(key: .string("cafe\u{301}"), value: .int(2))
            #expect(first && second)
            #expect(m[string: "caf\u{E9}"]?.celEquals(.int(1)) == true)
            #expect(m[string: "cafe\u{301}"]?.celEquals(.int(2)) == true)
        }
        #expect(CELMap.Key.string("caf\u{E9}") != CELMap.Key.string("cafe\u{301}"))
        #expect(Set([CELMap.Key.string("a"), .string(String(decoding: [0x61], as: UTF8.self))]).count == 1)
    }

    @Test func reserveCapacityKeepsLookupsWorking() {
        var m = CELMap()
        m.insert(key: .string("a"), value: .int(1))
        m.reserveCapacity(50)
        for i in 0..<40 { m.insert(key: .int(Int64(i)), value: .int(Int64(i))) }
        #expect(m[string: "a"]?.celEquals(.int(1)) == true)
        #expect(m[.int(39)] != nil)
        #expect(m.count == 41)
    }
}
