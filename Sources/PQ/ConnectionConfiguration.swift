import Foundation
internal import CLibPQ

/// Where and how to connect: a `postgresql://` URL, a `key=value` conninfo string, or nothing
/// (libpq's defaults from `PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`, … and `~/.pgpass`).
///
/// The string is parsed by libpq when the configuration is made; a malformed one fails at
/// `Connection.connect` with an `.invalidConnectionString` error. The configuration never prints its
/// password: `description` and `redactedDescription` name only user, host, port and database.
public struct ConnectionConfiguration: Sendable, CustomStringConvertible, CustomReflectable {
    /// How long `Connection.connect` may take in total (socket connect, TLS, authentication).
    /// 10 seconds unless the string sets `connect_timeout`.
    public var connectTimeout: Duration = .seconds(10)
    /// Reported to the server as `application_name` (shown in `pg_stat_activity`).
    public var applicationName: String?

    /// The keywords and values given by the caller (URL or conninfo, parsed by libpq).
    let options: [(keyword: String, value: String)]
    /// libpq's complaint about the string, when it could not be parsed (redacted).
    let parseError: String?
    /// The password in every form it may be echoed, for `Redaction.redact(_:secrets:)`.
    let secrets: [String]

    /// Parses `urlOrConninfo`; `nil` or an empty string means libpq's environment defaults.
    public init(_ urlOrConninfo: String?) {
        guard let text = urlOrConninfo, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            options = []
            parseError = nil
            secrets = []
            return
        }
        let written = Redaction.secrets(in: text)
        var message: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(text, &message) else {
            let reason = message.map { String(cString: $0) } ?? "out of memory"
            if let message { PQfreemem(message) }
            options = []
            secrets = written
            parseError = Redaction.redact(reason.trimmingCharacters(in: .whitespacesAndNewlines), secrets: written)
            return
        }
        defer { PQconninfoFree(parsed) }
        var collected: [(keyword: String, value: String)] = []
        var cursor = parsed
        while let keyword = cursor.pointee.keyword {
            if let value = cursor.pointee.val {
                collected.append((String(cString: keyword), String(cString: value)))
            }
            cursor += 1
        }
        options = collected
        parseError = nil
        secrets = written + collected.filter { $0.keyword == "password" }.map(\.value)
        // Honour libpq's own `connect_timeout` (seconds) as the default timeout.
        if let text = collected.last(where: { $0.keyword == "connect_timeout" })?.value,
            let seconds = Int64(text), seconds > 0
        {
            connectTimeout = .seconds(seconds)
        }
    }

    /// The value the caller gave for a conninfo keyword (`host`, `port`, `dbname`, …).
    func value(for keyword: String) -> String? {
        options.last(where: { $0.keyword == keyword })?.value
    }

    /// `user@host:port/database`, filling what the caller left out from libpq's defaults;
    /// never includes a password.
    public var redactedDescription: String {
        let defaults = ConnectionDefaults.current()
        let host = value(for: "host") ?? value(for: "hostaddr") ?? defaults["host"] ?? "/var/run/postgresql"
        let port = value(for: "port") ?? defaults["port"] ?? "5432"
        let user = value(for: "user") ?? defaults["user"]
        let database = value(for: "dbname") ?? defaults["dbname"] ?? user
        let shownHost = host.hasPrefix("/") ? "[\(host)]" : host
        var text = shownHost + ":" + port
        if let user { text = user + "@" + text }
        if let database { text += "/" + database }
        return Redaction.redact(text, secrets: secrets)
    }

    public var description: String { redactedDescription }

    /// Reflection (`dump`, debuggers) shows only the redacted target.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "target": redactedDescription, "connectTimeout": connectTimeout,
                "applicationName": applicationName as Any,
            ])
    }

    /// The keywords and values handed to libpq: the caller's, plus TCP keepalives (so a dead
    /// peer is noticed) and `application_name`, unless the caller set them.
    func connectionParameters() -> [(keyword: String, value: String)] {
        var parameters = options.filter { $0.keyword != "application_name" || applicationName == nil }
        let defaults: [(String, String)] = [
            ("keepalives", "1"), ("keepalives_idle", "10"), ("keepalives_interval", "5"),
            ("keepalives_count", "3"),
        ]
        for (keyword, value) in defaults where self.value(for: keyword) == nil {
            parameters.append((keyword, value))
        }
        if let applicationName {
            parameters.append(("application_name", applicationName))
        }
        return parameters
    }
}

/// libpq's defaults for unspecified options (environment variables, service file, built-ins).
enum ConnectionDefaults {
    static func current() -> [String: String] {
        guard let options = PQconndefaults() else { return [:] }
        defer { PQconninfoFree(options) }
        var result: [String: String] = [:]
        var cursor = options
        while let keyword = cursor.pointee.keyword {
            if let value = cursor.pointee.val {
                result[String(cString: keyword)] = String(cString: value)
            }
            cursor += 1
        }
        return result
    }
}
