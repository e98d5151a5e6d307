import ArgumentParser

struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval", abstract: "(not implemented yet)")
    func run() async throws { throw ExitCode.failure }
}
