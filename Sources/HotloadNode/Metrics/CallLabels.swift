import CEL
import CoreMetrics
import HotloadModules
import Synchronization

/// Which (module, function) pairs are labels of `hotload_calls_total` and
/// `hotload_call_duration_seconds`: only public functions of a release the node applied
/// (never a name a caller sent), at most `limit` pairs at a time. Every other call counts
/// under `_other` for both labels, a function name no call can reach (a leading `_` is
/// private).
///
/// Pairs are admitted in name order when a release is applied and keep their handles while
/// releases export them; a pair the new release no longer exports is destroyed in the
/// backend and its slot goes to the next new pair. So the series a node creates are
/// bounded by `limit` pairs plus `_other`, however many releases it applies. Runs at apply
/// time only, never on the call path.
package final class CallLabels: Sendable {
    /// The most (module, function) pairs labeled at a time.
    package static let limit = 128
    /// The module and function label of every call outside the labeled pairs.
    package static let other = "_other"

    /// The handles of every call outside the labeled pairs.
    let other: CallHandles
    private let factory: any MetricsFactory
    private struct Pair: Hashable {
        var module: String
        var function: String
    }
    private let admitted = Mutex<[Pair: CallHandles]>([:])

    package init(factory: any MetricsFactory) {
        self.factory = factory
        other = CallHandles(module: Self.other, function: Self.other, factory: factory, notFound: true)
    }

    /// The call table of `snapshot`: each public function with its handles (its pair's, or
    /// `_other`'s past the limit). Gives back the handles of pairs `snapshot` lacks.
    package func table(for snapshot: Snapshot) -> CallTable {
        var exported: [(pair: Pair, function: CompiledFunction)] = []
        for module in snapshot.moduleNames {
            for (name, _) in snapshot.modules[module]?.exportedFunctions ?? [] {
                if let function = try? snapshot.function(module: module, name: name) {
                    exported.append((Pair(module: module, function: name), function))
                }
            }
        }
        let handles = admitted.withLock { admitted -> [Pair: CallHandles] in
            let wanted = Set(exported.map(\.pair))
            for pair in admitted.keys where !wanted.contains(pair) {
                admitted.removeValue(forKey: pair)?.destroy()
            }
            for (pair, _) in exported where admitted[pair] == nil && admitted.count < Self.limit {
                admitted[pair] = CallHandles(module: pair.module, function: pair.function, factory: factory, notFound: false)
            }
            return admitted
        }
        var modules: [String: [String: CallTable.Entry]] = [:]
        for (pair, function) in exported {
            modules[pair.module, default: [:]][pair.function] = CallTable.Entry(function: function,
                                                                                handles: handles[pair] ?? other)
        }
        return CallTable(modules: modules, other: other)
    }
}

/// The swift-metrics handles of one (module, function) pair: calls by outcome and latency.
final class CallHandles: Sendable {
    private let ok: Counter
    private let evaluationError: Counter
    private let costLimit: Counter
    private let wrongArity: Counter
    /// Only `_other` counts calls of names the release does not export.
    private let notFound: Counter?
    private let duration: CoreMetrics.Timer

    init(module: String, function: String, factory: any MetricsFactory, notFound: Bool) {
        func outcome(_ value: String) -> Counter {
            Counter(label: "hotload_calls_total",
                    dimensions: [("module", module), ("function", function), ("outcome", value)], factory: factory)
        }
        ok = outcome("ok")
        evaluationError = outcome("evaluation_error")
        costLimit = outcome("cost_limit")
        wrongArity = outcome("wrong_arity")
        self.notFound = notFound ? outcome("not_found") : nil
        duration = CoreMetrics.Timer(label: "hotload_call_duration_seconds",
                                     dimensions: [("module", module), ("function", function)], factory: factory)
    }

    /// Records a call that returned `value` after `nanoseconds`; true when it failed (an
    /// error value: stopped by its cost limits, or another evaluation error).
    @inline(__always)
    func record(_ value: Value, nanoseconds: UInt64) -> Bool {
        duration.recordNanoseconds(Int64(truncatingIfNeeded: nanoseconds))
        if case .error(let error) = value {
            (error.isCostLimit ? costLimit : evaluationError).increment()
            return true
        }
        ok.increment()
        return false
    }

    /// Records a call that could not start after `nanoseconds`: a wrong arity, or (only
    /// `_other` sees these) a module or function the release does not export.
    func refused(_ error: CallError, nanoseconds: UInt64) {
        duration.recordNanoseconds(Int64(truncatingIfNeeded: nanoseconds))
        if error.code == .wrongArity { wrongArity.increment() } else { notFound?.increment() }
    }

    /// Removes the pair's series from the backend.
    func destroy() {
        for counter in [ok, evaluationError, costLimit, wrongArity] { counter.destroy() }
        notFound?.destroy()
        duration.destroy()
    }
}
