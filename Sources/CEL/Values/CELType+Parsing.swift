extension CELType {
    /// Parses a type name as CEL writes it: `int`, `list(int)`, `map(string, dyn)`,
    /// `google.protobuf.Timestamp`. Unknown simple names become opaque types; malformed
    /// text gives nil.
    public init?(parsing text: String) {
        guard let type = ConformanceTest.parseType(text) else { return nil }
        self = type
    }
}
