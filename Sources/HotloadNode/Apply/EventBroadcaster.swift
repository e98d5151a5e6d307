import Synchronization

/// Fans events out to any number of `AsyncStream` subscribers.
/// A slow subscriber loses its oldest events (a bounded buffer), never blocks the node.
final class EventBroadcaster<Element: Sendable>: Sendable {
    private struct State {
        var next = 0
        var subscribers: [Int: AsyncStream<Element>.Continuation] = [:]
        var finished = false
    }
    private let state = Mutex(State())
    private let bufferSize: Int

    init(bufferSize: Int = 256) { self.bufferSize = bufferSize }

    /// A new stream that receives every event yielded from now on.
    func subscribe() -> AsyncStream<Element> {
        let (stream, continuation) = AsyncStream<Element>.makeStream(bufferingPolicy: .bufferingNewest(bufferSize))
        let registered: Int? = state.withLock { state in
            if state.finished { return nil }
            let id = state.next
            state.next += 1
            state.subscribers[id] = continuation
            return id
        }
        if let registered {
            continuation.onTermination = { [weak self] _ in
                _ = self?.state.withLock { $0.subscribers.removeValue(forKey: registered) }
            }
        } else {
            continuation.finish()
        }
        return stream
    }

    func yield(_ element: Element) {
        let targets = state.withLock { Array($0.subscribers.values) }
        for continuation in targets { continuation.yield(element) }
    }

    /// Ends every stream; later subscribers get an already finished stream.
    func finish() {
        let targets = state.withLock { state in
            state.finished = true
            let all = Array(state.subscribers.values)
            state.subscribers = [:]
            return all
        }
        for continuation in targets { continuation.finish() }
    }
}
