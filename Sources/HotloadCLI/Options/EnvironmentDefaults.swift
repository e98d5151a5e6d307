import ArgumentParser

/// `hotload node`'s options from the environment: every option `--some-name` also reads
/// `HOTLOAD_NODE_SOME_NAME`, and the command line wins. swift-argument-parser reads no
/// environment, so the values are put into the argument list before it is parsed (as
/// `--some-name=VALUE`, so a value starting with `-` stays a value) and go through the same
/// parsing and checks as typed ones. The one exception is `--database`, which reads
/// `HOTLOAD_DATABASE_URL` like every other command (`ConnectionOptions`).
struct EnvironmentDefaults {
    /// One option that reads a variable.
    struct Setting: Equatable {
        /// The long name without dashes, e.g. `poll-interval`.
        let option: String
        /// A flag (`--enable-eval`/`--no-enable-eval`) rather than an option with a value.
        let isFlag: Bool
        /// A flag without an inverted form (`--no-listen`): false leaves it out.
        var isInvertible = true

        /// The long names the command accepts for the setting.
        var longNames: [String] {
            isFlag && isInvertible ? [option, "no-\(option)"] : [option]
        }

        /// `HOTLOAD_NODE_POLL_INTERVAL` for `poll-interval`.
        var variable: String {
            EnvironmentDefaults.nodePrefix + option.uppercased().replacing("-", with: "_")
        }
    }

    static let nodePrefix = "HOTLOAD_NODE_"

    /// Every option of `hotload node` but `--database` and `--help`
    /// (`NodeEnvironmentCLITests` checks this list against the command's options).
    static let node: [Setting] = [
        "channel", "name", "listen", "token-file", "request-timeout", "max-evaluations", "max-queued",
        "max-connections", "idle-timeout", "min-sync-interval", "poll-interval", "backoff-cap",
        "cache-directory", "trust",
    ].map { Setting(option: $0, isFlag: false) } + [
        Setting(option: "enable-eval", isFlag: true), Setting(option: "no-listen", isFlag: true, isInvertible: false),
    ]

    /// The arguments parsed, with the values taken from the environment inserted.
    var arguments: [String]
    /// The settings whose value came from the environment, with that value.
    var applied: [(setting: Setting, value: String)]

    /// Fills the options of `hotload node` that `arguments` (without the program name) does
    /// not give from `environment`. An empty variable counts as unset, as an empty
    /// `HOTLOAD_DATABASE_URL` does. Other commands' arguments are returned unchanged.
    ///
    /// - Throws: `ValidationError` naming the variable for a flag's value other than
    ///   `true`, `false`, `1` or `0`, and for a `HOTLOAD_NODE_` variable that no option reads
    ///   (a misspelt one would otherwise be ignored silently).
    init(arguments: [String], environment: [String: String]) throws {
        self.arguments = arguments
        self.applied = []
        guard arguments.first == "node" else { return }
        let known = Set(Self.node.map(\.variable))
        let unknowns = environment.filter {
            $0.key.hasPrefix(Self.nodePrefix) && !known.contains($0.key) && !$0.value.isEmpty
        }
        if let unknown = unknowns.keys.min() {
            let instead = unknown == Self.nodePrefix + "DATABASE"
                ? "; the database comes from HOTLOAD_DATABASE_URL" : ""
            throw ValidationError("\(unknown) is not an option of `hotload node`\(instead) "
                + "(see `hotload node --help`)")
        }
        var inserted: [String] = []
        for setting in Self.node {
            guard let value = environment[setting.variable], !value.isEmpty,
                  !Self.given(setting, in: arguments.dropFirst()) else { continue }
            if setting.isFlag {
                switch value.lowercased() {
                case "true", "1": inserted.append("--\(setting.option)")
                case "false", "0": if setting.isInvertible { inserted.append("--no-\(setting.option)") }
                default:
                    throw ValidationError("\(setting.variable) must be true, false, 1 or 0, not "
                        + "'\(Output.safe(value))' (--\(setting.option))")
                }
            } else {
                inserted.append("--\(setting.option)=\(value)")
            }
            applied.append((setting, value))
        }
        self.arguments = ["node"] + inserted + arguments.dropFirst()
    }

    /// What to add to a failed run's error, so that a value from the environment is traced
    /// to its variable: `from the environment: HOTLOAD_NODE_POLL_INTERVAL=0 (--poll-interval)`.
    var note: String? {
        guard !applied.isEmpty else { return nil }
        return "from the environment: " + applied.map {
            "\($0.setting.variable)=\(Output.safe($0.value)) (--\($0.setting.option))"
        }.joined(separator: ", ")
    }

    /// Whether the command line gives the setting (`--x`, `--x=V`, and `--no-x` for an
    /// invertible flag).
    private static func given(_ setting: Setting, in arguments: ArraySlice<String>) -> Bool {
        arguments.contains { argument in
            argument == "--\(setting.option)" || argument.hasPrefix("--\(setting.option)=")
                || (setting.isFlag && setting.isInvertible && argument == "--no-\(setting.option)")
        }
    }
}
