import ArgumentParser

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "(not implemented yet)")
    func run() async throws { throw ExitCode.failure }
}
