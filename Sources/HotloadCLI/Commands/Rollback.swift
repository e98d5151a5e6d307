import ArgumentParser

struct Rollback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rollback", abstract: "(not implemented yet)")
    func run() async throws { throw ExitCode.failure }
}
