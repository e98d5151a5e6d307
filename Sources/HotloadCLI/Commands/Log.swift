import ArgumentParser

struct Log: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "(not implemented yet)")
    func run() async throws { throw ExitCode.failure }
}
