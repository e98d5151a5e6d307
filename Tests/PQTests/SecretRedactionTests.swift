import Foundation
import Testing

@testable import PQ

/// A password in a connection string never shows, whatever characters it holds and
/// whichever form (URL, percent-encoded, conninfo quoted or escaped) carries it.
@Suite("Secret redaction")
struct SecretRedactionTests {
    /// Every character that has a meaning in a URL or a conninfo string.
    static let password = #"p@:/?#%'"\ =w0rd"#

    static var percentEncoded: String {
        password.unicodeScalars.map { scalar in
            CharacterSet.alphanumerics.contains(scalar) ? String(scalar) : String(format: "%%%02X", scalar.value)
        }.joined()
    }

    /// Connection strings to a closed port, with the secret forms each must never show.
    static var cases: [(String, [String])] {
        let quoted = password.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
        let escaped = password.unicodeScalars.map { " \\'".unicodeScalars.contains($0) ? "\\\($0)" : String($0) }.joined()
        // libpq reads a URL's user info up to the first `/` or `@`: these characters may be raw.
        let raw = #"r:?#'"\ =w0rd"#
        return [
            ("postgresql://alice:\(percentEncoded)@127.0.0.1:1/hot", [password, percentEncoded]),
            ("postgres://127.0.0.1:1/hot?user=alice&password=\(percentEncoded)&connect_timeout=2", [password, percentEncoded]),
            ("host=127.0.0.1 port=1 user=alice dbname=hot password='\(quoted)'", [password, quoted]),
            ("host=127.0.0.1 port=1 user=alice dbname=hot password=\(escaped)", [password, escaped]),
            ("host=127.0.0.1 port=1 password = '\(quoted)' user=alice", [password, quoted]),
            ("postgresql://alice:\(raw)@127.0.0.1:1/hot", [raw]),
            // A malformed percent-encoding: libpq quotes the password in its parse error.
            ("postgresql://alice:\(raw)%zz@127.0.0.1:1/hot", [raw + "%zz", "0rd%zz"]),
        ]
    }

    private func expectHidden(_ text: String, _ secrets: [String], _ context: String) {
        for secret in secrets {
            #expect(!text.contains(secret), "\(context): '\(secret)' shows in: \(text)")
        }
        // No tell-tale fragment of the password either.
        #expect(!text.contains("w0rd"), "\(context): a fragment of the password shows in: \(text)")
    }

    @Test func patternsAloneHideTheWellFormedStrings() {
        for (string, secrets) in Self.cases.prefix(5) {
            expectHidden(Redaction.redact(string), secrets, string)
        }
    }

    @Test func theConnectionStringsSecretsHideEveryForm() {
        for (string, secrets) in Self.cases {
            let found = Redaction.secrets(in: string)
            expectHidden(Redaction.redact(string, secrets: found), secrets, string)
            expectHidden(Redaction.redact("error: cannot connect to \(string): refused", secrets: found), secrets, string)
        }
    }

    @Test func configurationsAndConnectErrorsNeverShowThePassword() async {
        for (string, secrets) in Self.cases {
            var configuration = ConnectionConfiguration(string)
            configuration.connectTimeout = .seconds(2)
            expectHidden(configuration.redactedDescription, secrets, string)
            expectHidden("\(configuration)", secrets, string)
            var dumped = ""
            dump(configuration, to: &dumped)
            expectHidden(dumped, secrets, string)
            do {
                let connection = try await Connection.connect(configuration)
                await connection.close()
                Issue.record("\(string): connected to a closed port")
            } catch {
                expectHidden("\(error)", secrets, string)
                expectHidden(String(reflecting: error), secrets, string)
                expectHidden(error.target ?? "", secrets, string)
            }
        }
    }
}
