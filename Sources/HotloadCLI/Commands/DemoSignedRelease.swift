import CEL
import Foundation
import HotloadNode
import HotloadStore

extension Demo {
    /// The change of step 14's first signed push: the greeting.
    static let greetingChange = Edit(module: "greetings/hello.hl", replacing: #""Hello, ""#, with: #""Bonjour, ""#)
    /// The change of step 14's second signed push: the German VAT rate.
    static let germanVATChange = Edit(module: "billing/tax.hl", replacing: #""DE": 0.19"#, with: #""DE": 0.07"#)

    /// What step 14 needs from the story so far.
    struct SignedReleaseStage {
        /// The superuser's store (the demo's own login pushes here: the act is about keys, not roles).
        let store: Store
        let url: String
        let nodes: [Node]
        let rules: String
        let workspace: String
        /// The channel's stable release when the act starts (pushed unsigned).
        let stable: Int64
    }

    /// Step 14: a fourth node with a trust file refuses the unsigned stable release, and
    /// runs the signed ones — the second straight from its notification. Returns the
    /// trusting node, its task and the channel's head at the end.
    func signedRelease(_ stage: SignedReleaseStage) async throws -> (node: Node, task: Task<Void, any Error>, head: Int64) {
        step("14. Signed releases: a fourth node runs only what a trusted key signed")
        let key = SigningKey()
        try key.write(toNewFile: stage.workspace + "/release.key")
        let trust = try TrustPolicy(keys: [key.publicKey], threshold: 1)
        Output.line("$ hotload key generate --out release.key   # key \(SignerText.shortKeyID(key.keyID))")
        Output.line("$ hotload key register release.key --owner release-manager")
        _ = try await stage.store.registerKey(key.publicKey, owner: "release-manager")
        Output.line("$ hotload key trust release.key > trust.json")
        Output.line("$ hotload channel clear main   # as demo_admin: pushes reach every node at once again")
        try await stage.store.clearChannelPolicy(channel: "main")

        Output.line("$ hotload node --trust trust.json --name demo-node-4")
        // A long poll interval: the release below should come by its notification, not a poll.
        let trusting = Node(configuration: NodeConfiguration(
            database: stage.url, name: "demo-node-4", pollInterval: .seconds(60), heartbeatInterval: .milliseconds(200),
            trust: .policy(trust)))
        let task = Task { try await trusting.run() }
        try await waitUntil("demo-node-4 refuses release \(stage.stable)") { trusting.status.errorRelease == stage.stable }
        Output.line("demo-node-4: refused release \(stage.stable): \(trusting.status.lastError?.message ?? "?"); "
            + "serving nothing")

        try write(try Self.module(after: Self.greetingChange), to: stage.rules + "/" + Self.greetingChange.module)
        let first = try await push(stage.store, stage.rules, message: "greet in French", signingKeys: [key])
        for node in stage.nodes + [trusting] {
            try await waitUntil("\(node.configuration.name) serves release \(first)") { node.current?.release == first }
        }
        Output.line("every node serves release \(first), demo-node-4 after verifying its signature")
        try greet(trusting)

        // Let the reads that the first release's wake-ups started finish first: no new read
        // in 150 ms.
        var reads = -1
        try await waitUntil("demo-node-4 is idle", every: .milliseconds(150)) {
            defer { reads = trusting.status.headReads }
            return trusting.status.headReads == reads
        }
        let fastBefore = trusting.status.fastPathApplies
        try write(try Self.module(after: Self.germanVATChange), to: stage.rules + "/" + Self.germanVATChange.module)
        let second = try await push(stage.store, stage.rules, message: "DE: reduced VAT rate", signingKeys: [key])
        try await waitUntil("demo-node-4 serves release \(second)") { trusting.current?.release == second }
        if trusting.status.fastPathApplies > fastBefore {
            Output.line("demo-node-4: release \(second) came inside its notification (signed manifest and changed source) "
                + "and was applied without reading the tables")
        } else {
            Output.line("demo-node-4: release \(second) was read from the tables (a read was already under way)")
        }

        let report = try await stage.store.verify(.head(channel: "main"), trust: trust)
        Output.line("$ hotload verify --trust trust.json")
        for release in report.releases {
            Output.line("release \(release.release): "
                + (release.isVerified ? "verified, signed by key \(release.signers.map(SignerText.shortKeyID).joined(separator: ", key "))"
                                      : release.failures.map(\.message).joined(separator: "; ")))
        }
        return (trusting, task, second)
    }
}
