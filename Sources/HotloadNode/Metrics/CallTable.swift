import CEL
import HotloadModules

/// A loaded release's public functions by module and name, each with its metric handles
/// (`CallLabels`), built once when the release is applied. `LoadedRelease.call` looks a
/// call up here with the same two dictionary lookups `Snapshot.call` makes, so counting a
/// call in swift-metrics adds no lookup and no lock of its own: two clock reads, the
/// release's `CallStats` and the handles' backend.
package struct CallTable: Sendable {
    final class Entry: Sendable {
        let function: CompiledFunction
        let handles: CallHandles

        init(function: CompiledFunction, handles: CallHandles) {
            self.function = function
            self.handles = handles
        }
    }

    let modules: [String: [String: Entry]]
    /// The handles of calls outside the table's labeled pairs.
    let other: CallHandles

    /// Calls `module.function(args)`, counting it in `stats` and in the pair's handles.
    @inline(__always)
    func call(module: String, function name: String, args: [Value], stats: CallStats,
              snapshot: Snapshot) throws(CallError) -> Value {
        guard let entry = modules[module]?[name], entry.function.arity == args.count else {
            return try callUnlisted(module: module, function: name, args: args, stats: stats, snapshot: snapshot)
        }
        let start = CallStats.now()
        let value = entry.function.call(args)
        let elapsed = CallStats.now() &- start
        stats.record(nanoseconds: elapsed, failed: entry.handles.record(value, nanoseconds: elapsed))
        return value
    }

    /// A call the table cannot start (a wrong arity, or a name the release does not export):
    /// made through `snapshot` for its error, counted under the pair when the table lists
    /// it, else under `_other`.
    @inline(never)
    private func callUnlisted(module: String, function name: String, args: [Value], stats: CallStats,
                              snapshot: Snapshot) throws(CallError) -> Value {
        let handles = modules[module]?[name]?.handles ?? other
        let start = CallStats.now()
        let value: Value
        do {
            value = try snapshot.call(module: module, function: name, args: args)
        } catch {
            let elapsed = CallStats.now() &- start
            handles.refused(error, nanoseconds: elapsed)
            stats.record(nanoseconds: elapsed, failed: true)
            throw error
        }
        let elapsed = CallStats.now() &- start
        stats.record(nanoseconds: elapsed, failed: handles.record(value, nanoseconds: elapsed))
        return value
    }
}
