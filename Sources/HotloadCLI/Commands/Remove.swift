import ArgumentParser

struct Remove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "(not implemented yet)")
    func run() async throws { throw ExitCode.failure }
}
