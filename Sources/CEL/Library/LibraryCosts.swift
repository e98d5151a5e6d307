/// Which library overloads do work in proportion to what they read or build, and so are
/// charged by size (`CallCost.linear`): the one place that says so. Every other overload
/// does constant work, covered by its call node's unit. `matches`, `==`/`!=` and `in` on
/// lists, `flatten`, `distinct`, `sort`/`sortBy` and the sets extension spend the budget
/// themselves (`Overload.metered`, declared with them).
enum LibraryCosts {
    /// Overload ids charged `.linear`: string and bytes scans and copies, conversions
    /// that parse or copy, concatenation, the strings extension, encoders, the network
    /// library's parsers, and functions that walk a whole list.
    static let linear: Set<String> = [
        "size_string", "string_size", "contains_string", "starts_with_string", "ends_with_string",
        "add_string", "add_bytes", "add_list",
        "string_to_int64", "string_to_uint64", "string_to_double", "string_to_bool",
        "bytes_to_string", "string_to_bytes", "string_to_timestamp", "string_to_duration",
        "string_char_at_int", "string_index_of_string", "string_index_of_string_int",
        "string_last_index_of_string", "string_last_index_of_string_int",
        "string_lower_ascii", "string_upper_ascii",
        "string_replace_string_string", "string_replace_string_string_int",
        "string_split_string", "string_split_string_int",
        "string_substring_int", "string_substring_int_int", "string_trim",
        "list_join", "list_join_string", "string_format", "strings_quote", "string_reverse",
        "lists_range", "list_slice", "list_reverse",
        "base64_encode_bytes", "base64_decode_string",
        "optional_unwrap", "optional_unwrapOpt",
        "string_to_ip", "string_to_cidr", "is_ip", "is_cidr", "ip_is_canonical",
        "cidr_contains_ip_string", "cidr_contains_cidr_string",
    ]

    /// Functions whose overloads over a list argument walk it (`math.greatest([...])`).
    static let linearOverLists: Set<String> = ["math.greatest", "math.least"]

    /// `decl` with the costs above applied.
    static func apply(_ decl: FunctionDecl) -> FunctionDecl {
        var decl = decl
        for i in decl.overloads.indices {
            let overload = decl.overloads[i]
            let walksList = linearOverLists.contains(decl.name) && overload.params.count == 1
                && { if case .list = overload.params[0] { true } else { false } }()
            // Calendar accessors with a time zone name read the name.
            let readsZone = overload.id.hasSuffix("_with_tz")
            if linear.contains(overload.id) || walksList || readsZone { decl.overloads[i].cost = .linear }
        }
        return decl
    }
}
