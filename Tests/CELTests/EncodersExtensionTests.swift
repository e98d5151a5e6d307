import Foundation
import Testing
@testable import CEL

@Suite("EncodersExtension")
struct EncodersExtensionTests {
    static let decls = EncodersExtension.declarations(limits: .default)

    @Test func encodes() {
        let cases: [(String, String)] = [
            ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("hello", "aGVsbG8="),
            ("Hello World!", "SGVsbG8gV29ybGQh"),
        ]
        for (input, output) in cases {
            let result = LibraryCall.invoke(Self.decls, "base64_encode_bytes", [.bytes(Array(input.utf8))])
            #expect(LibraryCall.same(result, .string(output)), "\(input)")
        }
    }

    @Test func decodesPaddedAndUnpadded() {
        let cases: [(String, String)] = [
            ("aGVsbG8=", "hello"), ("aGVsbG8", "hello"), ("Zg==", "f"), ("Zg", "f"), ("Zm8=", "fo"), ("", ""),
            ("SGVs\nbG8g\r\nV29ybGQh", "Hello World!"),
        ]
        for (input, output) in cases {
            let result = LibraryCall.invoke(Self.decls, "base64_decode_string", [.string(input)])
            #expect(LibraryCall.same(result, .bytes(Array(output.utf8))), "\(input)")
        }
    }

    @Test(arguments: ["a", "aGVsbG8==", "aGV=sbG8", "a===", "aGVsbG8*", "Zg=", "====", "Zm8==", "-_-_"])
    func rejectsMalformedInput(_ input: String) {
        #expect(LibraryCall.invoke(Self.decls, "base64_decode_string", [.string(input)]).isError)
    }

    @Test func agreesWithFoundation() {
        var rng = SystemRandomNumberGenerator()
        for n in 0..<200 {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let encoded = EncodersExtension.encode(bytes)
            #expect(encoded == Data(bytes).base64EncodedString())
            #expect(EncodersExtension.decode(encoded) == bytes)
        }
    }

    @Test func wrongTypesAndLimits() {
        #expect(LibraryCall.invoke(Self.decls, "base64_encode_bytes", [.string("x")]).isError)
        #expect(LibraryCall.invoke(Self.decls, "base64_decode_string", [.bytes([1])]).isError)
        var limits = Limits()
        limits.maxStringBytes = 8
        let small = EncodersExtension.declarations(limits: limits)
        #expect(LibraryCall.invoke(small, "base64_encode_bytes", [.bytes(Array(repeating: 0, count: 9))]).isError)
        #expect(!LibraryCall.invoke(small, "base64_encode_bytes", [.bytes(Array(repeating: 0, count: 6))]).isError)
    }

    @Test func endToEnd() {
        LibraryCall.expectEndToEnd(true: [
            "base64.encode(b'hello') == 'aGVsbG8='",
            "base64.decode('aGVsbG8=') == b'hello'",
            "base64.decode('aGVsbG8') == b'hello'",
            "base64.decode(base64.encode(b'Hello World!')) == b'Hello World!'",
        ], errors: ["base64.decode('a')", "base64.decode('!!!!')"])
    }
}
