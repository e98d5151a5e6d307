/// The longest chain of module-function calls that starts at one function: the function,
/// how many calls deep the chain is (1 for a function that calls no module function) and
/// the next function on the chain. Chains are shared between the functions on them and
/// across modules, so each function's chain costs one object.
///
/// Module functions cannot recurse and CEL has no function values, so every call a body
/// can make is visible in its syntax: the chain's depth bounds the nesting of
/// compiled-function calls of any evaluation that enters the function.
final class CallChain: Sendable {
    /// `module.function`.
    let function: String
    let depth: Int
    let next: CallChain?

    init(function: String, next: CallChain?) {
        self.function = function
        self.depth = 1 + (next?.depth ?? 0)
        self.next = next
    }

    /// The chain as `a.f → a.g → b.h`, with the middle of a long chain elided.
    var description: String {
        var names: [String] = []
        var link: CallChain? = self
        while let current = link {
            names.append(current.function)
            link = current.next
        }
        let shown = 6
        guard names.count > 2 * shown else { return names.joined(separator: " → ") }
        return (names.prefix(shown) + ["… \(names.count - 2 * shown) more …"] + names.suffix(shown))
            .joined(separator: " → ")
    }
}
