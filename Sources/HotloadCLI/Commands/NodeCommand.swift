import ArgumentParser

struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "node", abstract: "(not implemented yet)")
    func run() async throws { throw ExitCode.failure }
}
