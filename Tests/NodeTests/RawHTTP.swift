import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking HTTP/1.1 client over a plain socket, for tests that need what a polite
/// client does not do (stay idle, trickle a body, hold connections) or many concurrent
/// clients on threads of their own, off Swift's cooperative pool.
struct RawHTTP {
    let fd: Int32

    /// Connects to 127.0.0.1:`port`.
    static func connect(port: Int) throws -> RawHTTP {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw FixtureError("connect to port \(port) failed")
        }
        return RawHTTP(fd: fd)
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written <= 0 { return }
            offset += written
        }
    }

    /// Everything the server sends until it closes the connection or `timeout` passes
    /// without data; `closed` tells which.
    func receive(timeout: Duration) -> (data: [UInt8], closed: Bool) {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(timeout / .milliseconds(1))
            guard poll(&poller, 1, milliseconds) > 0 else { return (data, false) }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return (data, true) }
            data.append(contentsOf: buffer[..<count])
        }
    }

    func close() { Glibc.close(fd) }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { throw FixtureError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// One request with `Connection: close`: the status and body, nil when no complete
    /// response came within `timeout`.
    static func request(port: Int, _ method: String, _ path: String, headers: [String: String] = [:],
                        body: String = "", timeout: Duration = .seconds(30)) -> (status: Int, body: String)? {
        guard let connection = try? connect(port: port) else { return nil }
        defer { connection.close() }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        connection.send(head + "\r\n" + body)
        let (data, closed) = connection.receive(timeout: timeout)
        guard closed else { return nil }
        return parse(data)
    }

    /// Status and body of a complete response (chunked bodies are returned as sent).
    static func parse(_ data: [UInt8]) -> (status: Int, body: String)? {
        let text = String(decoding: data, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return nil }
        let statusLine = text[..<end.lowerBound].split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        return (status, String(text[end.upperBound...]))
    }
}
