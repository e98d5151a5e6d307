import ArgumentParser

struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dev", abstract: "(not implemented yet)")
    func run() async throws { throw ExitCode.failure }
}
