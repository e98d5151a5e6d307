import ArgumentParser

struct Push: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "push", abstract: "(not implemented yet)")
    func run() async throws { throw ExitCode.failure }
}
