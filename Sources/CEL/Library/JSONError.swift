/// A JSON document that cannot be decoded, or a value that cannot be encoded as JSON.
public struct JSONError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, in words.
    public var message: String
    /// The byte offset in the input where decoding failed; nil for encoding errors.
    public var offset: Int?

    public init(_ message: String, offset: Int? = nil) {
        self.message = message
        self.offset = offset
    }

    public var description: String {
        if let offset { return "invalid JSON at byte \(offset): \(message)" }
        return "cannot encode as JSON: \(message)"
    }
}
