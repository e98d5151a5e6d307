import HotloadNode
import HotloadSidecar
import Testing

/// The node's and the sidecar's configuration and start errors have stable codes, carry
/// their context, and name no command-line flag: the CLI adds those.
@Suite("Node error codes")
struct NodeErrorCodeTests {
    @Test func startErrorCodesAreStable() throws {
        let configuration = try #require(configurationError(NodeConfiguration(channel: "Main")))
        let samples: [(NodeStartError, String)] = [
            (.configuration(configuration), "configuration"),
            (.database(target: "postgres@127.0.0.1:1/x", underlying: "Connection refused"), "database"),
            (.connectionString(underlying: "invalid connection string: port"), "connection_string"),
            (.nameTaken(name: "web-1", owner: "alice"), "name_taken"),
            (.trustFile(FixtureError("/etc/hotload/trust.json: not a usable trust file")), "trust_file"),
        ]
        for (error, raw) in samples {
            #expect(error.code.rawValue == raw)
            #expect(error.code == NodeStartError.Code(rawValue: raw))
            #expect("\(error)" == error.message)
            #expect(!error.message.contains("--"), "\(raw): \(error.message)")
        }
        let taken = NodeStartError.nameTaken(name: "web-1", owner: "alice")
        #expect(taken.nodeName == "web-1" && taken.owner == "alice")
        #expect(samples[0].0.configurationError?.code == .invalidChannel)
        #expect(samples[1].0.target == "postgres@127.0.0.1:1/x")
    }

    @Test func configurationErrorCodesAreStable() throws {
        let cases: [(NodeConfiguration, String, String)] = [
            (NodeConfiguration(channel: "Main"), "invalid_channel", "channel"),
            (NodeConfiguration(name: ""), "invalid_name", "name"),
            (NodeConfiguration(pollInterval: .zero), "non_positive_duration", "pollInterval"),
            (NodeConfiguration(minSyncInterval: .zero), "non_positive_duration", "minSyncInterval"),
            (NodeConfiguration(backoffInitial: .seconds(2), backoffCap: .seconds(1)), "backoff_cap_too_small", "backoffCap"),
            (NodeConfiguration(pollInterval: .milliseconds(99), listensForNotifications: false),
             "poll_interval_too_short", "pollInterval"),
        ]
        for (configuration, raw, setting) in cases {
            let error = try #require(configurationError(configuration))
            #expect(error.code.rawValue == raw)
            #expect(error.setting == setting)
            #expect("\(error)" == "invalid node configuration: \(error.message)")
            #expect(!error.message.contains("--"), "\(raw): \(error.message)")
        }
    }

    @Test func sidecarConfigurationErrorCodesAreStable() throws {
        let cases: [(SidecarConfiguration, String)] = [
            (SidecarConfiguration(maxConcurrentEvaluations: 0), "invalid_limit"),
            (SidecarConfiguration(maxQueuedEvaluations: -1), "invalid_limit"),
            (SidecarConfiguration(requestTimeout: .zero), "invalid_timeout"),
            (SidecarConfiguration(token: "short"), "invalid_token"),
        ]
        for (configuration, raw) in cases {
            do throws(SidecarConfigurationError) {
                try configuration.validate()
                Issue.record("\(raw): accepted")
            } catch {
                #expect(error.code.rawValue == raw)
                #expect(!error.message.contains("--"), "\(raw): \(error.message)")
            }
        }
        do throws(SidecarConfigurationError) {
            _ = try SidecarConfiguration.token(fromFile: "/nonexistent/token")
            Issue.record("a missing token file was accepted")
        } catch {
            #expect(error.code == .unreadableTokenFile && error.path == "/nonexistent/token")
        }
    }

    private func configurationError(_ configuration: NodeConfiguration) -> NodeConfigurationError? {
        do throws(NodeConfigurationError) {
            try configuration.validate()
            return nil
        } catch {
            return error
        }
    }
}
