import PQ
import Tracing

/// The span and attribute names of the operations that create a release.
enum PushTraceNames {
    /// The release operation's span: `hotload.push`, `hotload.remove` or `hotload.rollback`.
    static func operation(_ operation: ReleaseOperation) -> String {
        switch operation {
        case .push: "hotload.push"
        case .remove: "hotload.remove"
        case .rollbackModule, .rollbackRelease: "hotload.rollback"
        }
    }
    /// The import and compile check of the would-be release (`ReleaseCheck`).
    static let check = "hotload.check"
    /// Publishing the release (and signing it): from `hotload.publish` to the NOTIFY.
    static let commit = "hotload.commit"

    static let channel = "hotload.channel"
    static let modules = "hotload.modules"
    static let release = "hotload.release"
    static let previousRelease = "hotload.previous_release"
    static let dryRun = "hotload.dry_run"
    static let errorCode = "hotload.error.code"
}

/// The span of one release operation, recorded through the tracer in force
/// (`InstrumentationSystem.tracer`); a child of the caller's `ServiceContext`.
struct PushTrace: Sendable {
    let tracer: any Tracer
    let span: any Span

    /// Runs `body` in the operation's span: the channel at once, the changed modules once
    /// planned, the release on success, the error's code on failure (and an error status).
    static func run(_ operation: ReleaseOperation, _ options: ReleaseOptions,
                    _ body: (PushTrace) async throws -> PushResult) async throws -> PushResult {
        let tracer = InstrumentationSystem.tracer
        return try await tracer.withSpan(PushTraceNames.operation(operation)) { span in
            span.attributes[PushTraceNames.channel] = options.channel
            span.attributes[PushTraceNames.dryRun] = options.dryRun
            do {
                let result = try await body(PushTrace(tracer: tracer, span: span))
                if let release = result.release { span.attributes[PushTraceNames.release] = release }
                if let previous = result.previousHead { span.attributes[PushTraceNames.previousRelease] = previous }
                return result
            } catch {
                span.attributes[PushTraceNames.errorCode] = code(of: error)
                throw error
            }
        }
    }

    /// The modules the release changes (sorted).
    func planned(_ modules: [String]) {
        span.attributes[PushTraceNames.modules] = modules
    }

    /// Runs `body` in the child span `name`.
    func step<T>(_ name: String, isolation: isolated (any Actor)? = #isolation,
                 _ body: () async throws -> T) async rethrows -> T {
        try await tracer.withSpan(name, context: span.context, isolation: isolation) { _ in try await body() }
    }

    /// The stable code of a failure: a `StoreError`'s or `SigningError`'s code, `database`
    /// for any other database error.
    static func code(of error: any Error) -> String {
        switch error {
        case let error as StoreError: error.code.rawValue
        case let error as SigningError: error.code.rawValue
        case is PQError: "database"
        default: "internal"
        }
    }
}

extension Store {
    /// `commit(_:_:_:)` in the operation's span (`PushTrace`).
    func commit(_ operation: ReleaseOperation, _ options: ReleaseOptions) async throws -> PushResult {
        try await PushTrace.run(operation, options) { trace in try await commit(operation, options, trace) }
    }
}
