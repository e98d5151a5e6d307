/// One step of a rollout plan: a share of the nodes (`10%`, `0.5%`) or an exact number of
/// them (`3`). The text forms are what the database stores (`sql/0300_rollouts.sql`
/// checks the same grammar).
public enum RolloutStep: Sendable, Hashable, CustomStringConvertible {
    /// Exactly this many of the channel's live nodes (1...99,999), fixed when the step starts.
    case nodes(Int)
    /// This share of the bucket space, in hundredths of a percent (1...10,000: 0.01% to 100%).
    case percent(hundredths: Int)

    /// Parses `K` (a node count without leading zeros) or `P%` (0 < P <= 100, at most two
    /// decimals). Nil for anything else.
    public init?(_ text: String) {
        if text.hasSuffix("%") {
            let number = text.dropLast()
            let parts = number.split(separator: ".", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let whole = parts.first, (1...3).contains(whole.count),
                  whole.allSatisfy(\.isASCIIDigit), let wholeValue = Int(whole) else { return nil }
            var hundredths = wholeValue * 100
            if parts.count == 2 {
                let fraction = parts[1]
                guard (1...2).contains(fraction.count), fraction.allSatisfy(\.isASCIIDigit),
                      let fractionValue = Int(fraction) else { return nil }
                hundredths += fraction.count == 1 ? fractionValue * 10 : fractionValue
            }
            guard (1...10_000).contains(hundredths) else { return nil }
            self = .percent(hundredths: hundredths)
        } else {
            guard (1...5).contains(text.count), text.allSatisfy(\.isASCIIDigit), text.first != "0",
                  let count = Int(text) else { return nil }
            self = .nodes(count)
        }
    }

    /// The canonical text (`10%`, `0.5%`, `12.25%`, `3`): equal plans hash equally.
    public var description: String {
        switch self {
        case .nodes(let count):
            return String(count)
        case .percent(let hundredths):
            let whole = hundredths / 100, fraction = hundredths % 100
            if fraction == 0 { return "\(whole)%" }
            if fraction % 10 == 0 { return "\(whole).\(fraction / 10)%" }
            return "\(whole).\(fraction < 10 ? "0" : "")\(fraction)%"
        }
    }

    /// The bucket threshold of this step: `floor(P × 2^48 / 100)` for `P%`; for `K` nodes,
    /// the K-th smallest of `liveBuckets` plus one (every live node when there are fewer
    /// than K, none when there is none). Two nodes sharing a bucket (a 48-bit collision)
    /// are selected together.
    public func threshold(liveBuckets: [UInt64]) -> UInt64 {
        switch self {
        case .percent(let hundredths):
            return UInt64(hundredths) * RolloutBucket.space / 10_000
        case .nodes(let count):
            let sorted = liveBuckets.sorted()
            guard let last = sorted.last else { return 0 }
            return (count <= sorted.count ? sorted[count - 1] : last) + 1
        }
    }

    /// Parses a comma-separated plan such as `1,10%,50%,100%`: 1 to 20 steps, node counts
    /// increasing and percentages increasing (each kind on its own).
    public static func parse(list text: String) throws -> [RolloutStep] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { String($0).trimmingASCIISpaces() }
        guard (1...20).contains(items.count) else {
            throw StoreError.invalidSteps(text, reason: "give 1 to 20 steps separated by commas")
        }
        var steps: [RolloutStep] = []
        for item in items {
            guard let step = RolloutStep(item) else {
                throw StoreError.invalidSteps(text, reason: "'\(item)' is neither a node count (1 to 99999) "
                    + "nor a percentage (0.01% to 100%, at most two decimals)")
            }
            steps.append(step)
        }
        try validate(steps, text: text)
        return steps
    }

    /// Refuses plans the database would refuse, with the reason.
    static func validate(_ steps: [RolloutStep], text: String) throws {
        guard (1...20).contains(steps.count) else {
            throw StoreError.invalidSteps(text, reason: "give 1 to 20 steps")
        }
        var lastCount = 0, lastShare = 0
        for step in steps {
            switch step {
            case .nodes(let count):
                guard count > lastCount else {
                    throw StoreError.invalidSteps(text, reason: "node counts must increase (\(count) after \(lastCount))")
                }
                lastCount = count
            case .percent(let hundredths):
                guard hundredths > lastShare else {
                    throw StoreError.invalidSteps(text, reason: "percentages must increase (\(step) after "
                        + "\(RolloutStep.percent(hundredths: lastShare)))")
                }
                lastShare = hundredths
            }
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension String {
    fileprivate func trimmingASCIISpaces() -> String {
        var scalars = Substring(self)
        while scalars.first == " " { scalars = scalars.dropFirst() }
        while scalars.last == " " { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
