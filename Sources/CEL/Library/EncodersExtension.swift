/// The encoders extension (cel-go `ext/encoders.go`): `base64.encode(bytes) -> string`
/// and `base64.decode(string) -> bytes`. Decoding accepts padded and unpadded input
/// (cel-go tries both) and skips `\r` / `\n` as Go's decoder does; like Go's default
/// (non-strict) decoder it ignores non-zero bits in the last character. Anything else
/// that is not standard base64 is an error.
public enum EncodersExtension {
    public static func declarations(limits: Limits) -> [FunctionDecl] {
        let maxBytes = limits.maxStringBytes
        return [
            FunctionDecl(name: "base64.encode", overloads: [
                Overload(id: "base64_encode_bytes", params: [.bytes], result: .string, implementation: .unary { v in
                    guard case .bytes(let b) = v else { return noOverload("base64.encode", v) }
                    guard (b.count + 2) / 3 * 4 <= maxBytes else {
                        return .error(CELError("string result exceeds the limit of \(maxBytes) bytes (Limits.maxStringBytes)"))
                    }
                    return .string(encode(b))
                }),
            ]),
            FunctionDecl(name: "base64.decode", overloads: [
                Overload(id: "base64_decode_string", params: [.string], result: .bytes, implementation: .unary { v in
                    guard case .string(let s) = v else { return noOverload("base64.decode", v) }
                    guard let bytes = decode(s) else {
                        return .error(CELError("base64.decode: illegal base64 data"))
                    }
                    return .bytes(bytes)
                }),
            ]),
        ]
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Standard base64 with `=` padding.
    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let n = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(i + 1 < bytes.count ? alphabet[Int(n >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(n & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes standard base64, padded or not; nil for malformed input.
    public static func decode(_ text: String) -> [UInt8]? {
        var sextets: [UInt8] = []
        sextets.reserveCapacity(text.utf8.count)
        var padding = 0
        for c in text.utf8 {
            if c == 0x0A || c == 0x0D { continue }
            if c == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            guard padding == 0, let v = sextet(c) else { return nil }
            sextets.append(v)
        }
        let remainder = sextets.count % 4
        if remainder == 1 { return nil }
        if padding > 0 && (padding > 2 || (sextets.count + padding) % 4 != 0) { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(sextets.count * 3 / 4)
        var i = 0
        while i + 4 <= sextets.count {
            let n = UInt32(sextets[i]) << 18 | UInt32(sextets[i + 1]) << 12 | UInt32(sextets[i + 2]) << 6 | UInt32(sextets[i + 3])
            out += [UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
            i += 4
        }
        switch remainder {
        case 2:
            let n = UInt32(sextets[i]) << 18 | UInt32(sextets[i + 1]) << 12
            out.append(UInt8(n >> 16 & 0xFF))
        case 3:
            let n = UInt32(sextets[i]) << 18 | UInt32(sextets[i + 1]) << 12 | UInt32(sextets[i + 2]) << 6
            out += [UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF)]
        default:
            break
        }
        return out
    }

    private static func sextet(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }

    private static func noOverload(_ function: String, _ v: Value) -> Value {
        v.isError ? v : .error(CELError("no such overload: \(function)(\(v.runtimeType.runtimeName))"))
    }
}
