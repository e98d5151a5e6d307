import CZlib

/// zlib (RFC 1950) compression for the signed notification: one call each way, the
/// inflated size bounded so that a small hostile payload cannot make a node allocate
/// without limit. zlib's Adler-32 trailer rejects a truncated or altered stream.
enum Deflate {
    /// `bytes` compressed at the best level; nil only if zlib fails.
    static func compress(_ bytes: [UInt8]) -> [UInt8]? {
        var size = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let status = out.withUnsafeMutableBufferPointer { target in
            bytes.withUnsafeBufferPointer { source in
                compress2(target.baseAddress, &size, source.baseAddress, uLong(source.count), Z_BEST_COMPRESSION)
            }
        }
        guard status == Z_OK else { return nil }
        out.removeSubrange(Int(size)...)
        return out
    }

    /// The inflated bytes of one complete zlib stream with nothing after it; nil when the
    /// stream is malformed, truncated, followed by other bytes or inflates past `limit`.
    static func inflate(_ bytes: [UInt8], limit: Int) -> [UInt8]? {
        guard !bytes.isEmpty else { return nil }
        var stream = z_stream()
        guard inflateInit_(&stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        var input = bytes
        return input.withUnsafeMutableBufferPointer { source -> [UInt8]? in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            while true {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { target -> (Int32, Int) in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return (status, target.count - Int(stream.avail_out))
                }
                guard status == Z_OK || status == Z_STREAM_END, out.count + produced <= limit else { return nil }
                out.append(contentsOf: chunk[..<produced])
                if status == Z_STREAM_END { return stream.avail_in == 0 ? out : nil }
                // No progress and no end: the input ended inside the stream.
                if produced == 0 && stream.avail_in == 0 { return nil }
            }
        }
    }
}
