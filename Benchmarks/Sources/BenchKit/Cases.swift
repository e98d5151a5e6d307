import Foundation

/// One benchmark case of `shared/bench/cases.json`.
public struct BenchCase: Decodable, Sendable {
    public var name: String
    public var expr: String
}

/// The shared benchmark data: the twelve cases and their one input.
public struct BenchData: Sendable {
    public var cases: [BenchCase]
    /// The raw bytes of `input.json`.
    public var inputJSON: Data

    /// Loads the cases from `$HOTLOAD_BENCH_DIR`, else `shared/bench` beside the project.
    public static func load() throws -> BenchData {
        let env = ProcessInfo.processInfo.environment["HOTLOAD_BENCH_DIR"]
        let here = URL(fileURLWithPath: #filePath)
        let candidates = [env].compactMap { $0 }.map { URL(fileURLWithPath: $0) } + [
            here.deletingLastPathComponent().appendingPathComponent("../../../../shared/bench"),
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("../shared/bench"),
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("../../shared/bench"),
        ]
        for dir in candidates {
            let casesURL = dir.appendingPathComponent("cases.json")
            guard let casesData = try? Data(contentsOf: casesURL) else { continue }
            let input = try Data(contentsOf: dir.appendingPathComponent("input.json"))
            return BenchData(cases: try JSONDecoder().decode([BenchCase].self, from: casesData), inputJSON: input)
        }
        throw BenchError("shared/bench not found; set HOTLOAD_BENCH_DIR to the folder with cases.json")
    }
}

public struct BenchError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
