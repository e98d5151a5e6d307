internal import CLibPQ

/// The C arrays `PQsendQueryParams` takes, built from `PQValue`s and freed on deinit.
final class ParameterBuffers {
    private var types: [UInt32] = []
    private var values: [UnsafePointer<CChar>?] = []
    private var lengths: [Int32] = []
    private var formats: [Int32] = []
    private var allocations: [UnsafeMutableRawPointer] = []

    init(_ parameters: [PQValue]) throws(PQError) {
        guard parameters.count <= 65_535 else {
            throw PQError(kind: .query, message: "\(parameters.count) parameters; PostgreSQL accepts at most 65535")
        }
        for (index, parameter) in parameters.enumerated() {
            let wire = try parameter.wire(position: index + 1)
            types.append(wire.typeOID)
            formats.append(wire.binary ? 1 : 0)
            guard let bytes = wire.bytes else {
                values.append(nil)
                lengths.append(0)
                continue
            }
            guard let length = Int32(exactly: bytes.count) else {
                throw PQError(kind: .query, message: "parameter $\(index + 1) is larger than 2 GiB")
            }
            // Text values need a terminating NUL; binary ones are sized by `lengths`.
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes.count + 1, alignment: 1)
            allocations.append(buffer)
            bytes.withUnsafeBytes { source in
                if let base = source.baseAddress {
                    buffer.copyMemory(from: base, byteCount: bytes.count)
                }
            }
            buffer.storeBytes(of: 0, toByteOffset: bytes.count, as: UInt8.self)
            values.append(UnsafePointer(buffer.assumingMemoryBound(to: CChar.self)))
            lengths.append(length)
        }
    }

    /// Calls `body` with the parameter count and the arrays (valid only during the call).
    func withArrays<R>(
        _ body: (
            Int32, UnsafePointer<UInt32>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?,
            UnsafePointer<Int32>?
        ) -> R
    ) -> R {
        types.withUnsafeBufferPointer { types in
            values.withUnsafeBufferPointer { values in
                lengths.withUnsafeBufferPointer { lengths in
                    formats.withUnsafeBufferPointer { formats in
                        body(
                            Int32(values.count), types.baseAddress, values.baseAddress, lengths.baseAddress,
                            formats.baseAddress)
                    }
                }
            }
        }
    }

    deinit {
        for allocation in allocations {
            allocation.deallocate()
        }
    }
}
