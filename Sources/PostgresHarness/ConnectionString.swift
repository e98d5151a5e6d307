/// Edits PostgreSQL connection strings (URLs and `key=value` conninfo) without a libpq.
package enum ConnectionString {
    /// `connection` with its database replaced by `database`.
    ///
    /// URLs (`postgresql://…/db?…`) get a new path; conninfo strings get a trailing
    /// `dbname=` (libpq uses the last occurrence of a keyword).
    package static func replacingDatabase(in connection: String, with database: String) -> String {
        let trimmed = connection.trimmingCharacters(in: .whitespaces)
        guard let schemeEnd = trimmed.range(of: "://"),
            trimmed.hasPrefix("postgres")
        else {
            let escaped = database.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "'", with: "\\'")
            return trimmed + " dbname='\(escaped)'"
        }
        let afterScheme = trimmed[schemeEnd.upperBound...]
        let queryStart = afterScheme.firstIndex(of: "?") ?? afterScheme.endIndex
        let pathStart = afterScheme[..<queryStart].firstIndex(of: "/") ?? queryStart
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        let encoded = database.unicodeScalars.map { scalar -> String in
            if scalar.isASCII, allowed.contains(Character(scalar)) { return String(scalar) }
            return String(scalar).utf8.map { "%" + String($0, radix: 16, uppercase: true).leftPadded() }
                .joined()
        }.joined()
        return String(trimmed[..<pathStart]) + "/" + encoded + String(trimmed[queryStart...])
    }
}

extension String {
    fileprivate func leftPadded() -> String {
        count == 1 ? "0" + self : self
    }
}
