import Foundation

/// What a private server's directory remembers between processes (`hotload dev up`, then
/// `hotload dev status` in another shell): the port, the URL, the programs used and, for
/// throwaway test servers, the process that owns it.
struct ServerState: Codable, Sendable, Equatable {
    var port: Int
    var url: String
    var binDirectory: String
    /// The process that started a throwaway server; `nil` for servers that persist.
    var ownerProcess: Int32?

    static let fileName = "hotload-server.json"

    static func path(in directory: String) -> String {
        directory + "/" + fileName
    }

    /// The state recorded in `directory`, or `nil` when there is none or it is unreadable.
    static func read(from directory: String) -> ServerState? {
        guard let data = FileManager.default.contents(atPath: path(in: directory)) else { return nil }
        return try? JSONDecoder().decode(ServerState.self, from: data)
    }

    func write(to directory: String) throws(HarnessError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let target = ServerState.path(in: directory)
        do {
            try encoder.encode(self).write(to: URL(fileURLWithPath: target), options: .atomic)
        } catch {
            throw .invalidDirectory(path: directory, reason: "cannot write \(target): \(error)")
        }
    }
}
