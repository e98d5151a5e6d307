import ArgumentParser

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "(not implemented yet)")
    func run() async throws { throw ExitCode.failure }
}
