import Foundation

/// Where the PostgreSQL server programs live on this machine.
struct PostgresInstallation: Sendable {
    /// The directory holding `initdb`, `pg_ctl`, `postgres` and `psql`.
    let binDirectory: String

    /// The full path of one of the installation's programs.
    func tool(_ name: String) -> String {
        binDirectory + "/" + name
    }

    /// Finds the installation: `HOTLOAD_PG_BINDIR`, then the highest version under
    /// `/usr/lib/postgresql/*/bin` (Debian, Ubuntu), then `PATH` and common prefixes, then
    /// `pg_config --bindir`.
    static func find() throws(HarnessError) -> PostgresInstallation {
        try find(in: candidates(), askingPgConfig: true)
    }

    /// Finds the first of `candidates` that holds `initdb` and `pg_ctl`.
    static func find(in candidates: [String], askingPgConfig: Bool) throws(HarnessError) -> PostgresInstallation {
        var searched: [String] = []
        func usable(_ candidate: String) -> Bool {
            searched.append(candidate)
            return FileManager.default.isExecutableFile(atPath: candidate + "/initdb")
                && FileManager.default.isExecutableFile(atPath: candidate + "/pg_ctl")
        }
        if let found = candidates.first(where: usable) {
            return PostgresInstallation(binDirectory: found)
        }
        // Only ask pg_config (a subprocess) when the usual places came up empty.
        if askingPgConfig, let configured = pgConfigBinDirectory(), usable(configured) {
            return PostgresInstallation(binDirectory: configured)
        }
        throw .notInstalled(searched: searched)
    }

    private static func candidates() -> [String] {
        var result: [String] = []
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["HOTLOAD_PG_BINDIR"], !explicit.isEmpty {
            result.append(explicit)
        }
        result.append(contentsOf: debianBinDirectories())
        for directory in (environment["PATH"] ?? "").split(separator: ":") where !directory.isEmpty {
            result.append(String(directory))
        }
        result.append(contentsOf: ["/usr/local/pgsql/bin", "/opt/homebrew/bin", "/usr/local/bin"])
        var seen = Set<String>()
        return result.filter { seen.insert($0).inserted }
    }

    /// `/usr/lib/postgresql/<version>/bin`, highest version first.
    private static func debianBinDirectories() -> [String] {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return versions
            .compactMap { name -> (Double, String)? in
                guard let number = Double(name) else { return nil }
                return (number, "\(root)/\(name)/bin")
            }
            .sorted { $0.0 > $1.0 }
            .map(\.1)
    }

    private static func pgConfigBinDirectory() -> String? {
        let locations = ["/usr/bin/pg_config", "/usr/local/bin/pg_config", "/opt/homebrew/bin/pg_config"]
        guard let pgConfig = locations.first(where: { FileManager.default.isExecutableFile(atPath: $0) }),
            let result = try? Command.run(pgConfig, ["--bindir"]), result.status == 0
        else { return nil }
        let directory = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return directory.isEmpty ? nil : directory
    }
}
