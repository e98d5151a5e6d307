import ArgumentParser

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "(not implemented yet)")
    func run() async throws { throw ExitCode.failure }
}
