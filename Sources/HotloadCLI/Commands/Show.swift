import ArgumentParser

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "(not implemented yet)")
    func run() async throws { throw ExitCode.failure }
}
