import ArgumentParser

struct Modules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "modules", abstract: "(not implemented yet)")
    func run() async throws { throw ExitCode.failure }
}
