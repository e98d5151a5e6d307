import ArgumentParser

struct Diff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "diff", abstract: "(not implemented yet)")
    func run() async throws { throw ExitCode.failure }
}
