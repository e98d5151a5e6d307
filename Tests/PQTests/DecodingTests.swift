import Foundation
import Testing

@testable import PQ

@Suite("PQ decoding")
struct DecodingTests {
    @Test func integers() throws {
        #expect(try Int64(pqText: "-9223372036854775808") == .min)
        #expect(try Int(pqText: "42") == 42)
        #expect(try Int32(pqText: "2147483647") == .max)
        #expect(throws: PQError.self) { try Int32(pqText: "2147483648") }
        #expect(throws: PQError.self) { try Int64(pqText: "12a") }
        #expect(throws: PQError.self) { try Int64(pqText: "") }
    }

    @Test func doublesIncludingSpecialValues() throws {
        #expect(try Double(pqText: "1.5") == 1.5)
        #expect(try Double(pqText: "-1e-05") == -1e-05)
        #expect(try Double(pqText: "Infinity") == .infinity)
        #expect(try Double(pqText: "-Infinity") == -.infinity)
        #expect(try Double(pqText: "NaN").isNaN)
        #expect(throws: PQError.self) { try Double(pqText: "one") }
    }

    @Test func booleans() throws {
        #expect(try Bool(pqText: "t"))
        #expect(try !Bool(pqText: "f"))
        #expect(throws: PQError.self) { try Bool(pqText: "yes") }
    }

    @Test func byteaHexAndEscapeFormats() throws {
        #expect(try [UInt8](pqText: "\\x00ff10Ab") == [0, 255, 16, 171])
        #expect(try [UInt8](pqText: "\\x") == [])
        #expect(try [UInt8](pqText: "ab\\\\c\\001\\377") == [97, 98, 92, 99, 1, 255])
        #expect(throws: PQError.self) { try [UInt8](pqText: "\\x0") }
        #expect(throws: PQError.self) { try [UInt8](pqText: "\\xzz") }
        #expect(throws: PQError.self) { try [UInt8](pqText: "a\\9") }
    }

    @Test func timestamps() throws {
        let epoch = try Date(pqText: "1970-01-01 00:00:00+00")
        #expect(epoch.timeIntervalSince1970 == 0)
        let offset = try Date(pqText: "2024-05-01 12:30:00.25+02")
        #expect(offset.timeIntervalSince1970 == 1_714_559_400.25)
        let odd = try Date(pqText: "2024-05-01 12:30:00+05:30")
        #expect(odd.timeIntervalSince1970 == 1_714_546_800)
        let utc = try Date(pqText: "2000-02-29 23:59:59")
        #expect(utc.timeIntervalSince1970 == 951_868_799)
        let day = try Date(pqText: "1969-12-31")
        #expect(day.timeIntervalSince1970 == -86_400)
        #expect(try Date(pqText: "infinity") == .distantFuture)
        #expect(try Date(pqText: "-infinity") == .distantPast)
        #expect(throws: PQError.self) { try Date(pqText: "05/01/2024") }
        #expect(throws: PQError.self) { try Date(pqText: "2024-13-01") }
        #expect(throws: PQError.self) { try Date(pqText: "2024-05-01 12:30:00 BC") }
    }

    @Test func rowsDecodeByNameAndPositionWithNullHandling() throws {
        let storage = ResultStorage(columns: ["id", "name", "note"], cells: [["7", "åsa", nil]])
        let result = QueryResult(storage: storage, affectedRows: 1, commandTag: "SELECT 1")
        #expect(result.count == 1)
        let row = try #require(result.first)
        #expect(try row.decode("id", as: Int.self) == 7)
        #expect(try row.decode(1, as: String.self) == "åsa")
        #expect(try row.decode("note", as: String?.self) == nil)
        #expect(try row.decode("name", as: String?.self) == "åsa")
        #expect(row["note"] == nil)
        let nullError = #expect(throws: PQError.self) { try row.decode("note", as: String.self) }
        #expect(nullError?.kind == .decoding)
        #expect(nullError?.message.contains("String?") == true)
        let missing = #expect(throws: PQError.self) { try row.decode("nope", as: Int.self) }
        #expect(missing?.message.contains("no column \"nope\"") == true)
        let wrong = #expect(throws: PQError.self) { try row.decode("name", as: Int.self) }
        #expect(wrong?.message.contains("column \"name\"") == true)
    }

    @Test func parameterEncoding() throws {
        #expect(try PQValue.textArray(["a", "b\"c", "d\\e", "NULL"]).wire(position: 1).bytes
            == Array(#"{"a","b\"c","d\\e","NULL"}"#.utf8))
        #expect(try PQValue.int64Array([1, -2]).wire(position: 1).bytes == Array("{1,-2}".utf8))
        #expect(try PQValue.double(.infinity).wire(position: 1).bytes == Array("Infinity".utf8))
        #expect(try PQValue.bytes([0, 1]).wire(position: 1).binary)
        #expect(try PQValue.null.wire(position: 1).bytes == nil)
        let nul = #expect(throws: PQError.self) { try PQValue.text("a\u{0}b").wire(position: 3) }
        #expect(nul?.message.contains("$3") == true)
    }
}
