import ArgumentParser

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "(not implemented yet)")
    func run() async throws { throw ExitCode.failure }
}
