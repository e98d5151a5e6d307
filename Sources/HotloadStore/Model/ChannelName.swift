/// The rule for channel names, the same as the `hotload.channels` CHECK: `[a-z][a-z0-9_-]*`,
/// at most 63 bytes. The one validator the store, the node and the notification parser use;
/// the CHECK is what enforces it, this check gives the clear error first.
package enum ChannelName {
    /// The rule as error messages state it.
    package static let rule = "lowercase letters, digits, '_' and '-', starting with a letter, at most 63 characters"

    /// True when `name` follows the rule.
    package static func isValid(_ name: String) -> Bool {
        isValid(name.utf8)
    }

    /// The rule on UTF-8 bytes (for parsing a notification payload without copying).
    package static func isValid(_ bytes: some Collection<UInt8>) -> Bool {
        guard let first = bytes.first, bytes.count <= 63, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z") else {
            return false
        }
        return bytes.allSatisfy { b in
            (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
                || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
        }
    }
}
