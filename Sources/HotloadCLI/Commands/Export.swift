import ArgumentParser

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "(not implemented yet)")
    func run() async throws { throw ExitCode.failure }
}
