import ArgumentParser
import CEL
import Foundation
import HotloadModules
import HotloadNode
import HotloadStore
import Logging
import PostgresHarness
import PQ

/// `hotload demo`: the whole story on a private PostgreSQL, start to finish.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Show the whole cycle on a private PostgreSQL: push, serve, hot-swap, refuse, roll back, gray release, signing.",
        discussion: """
        Starts a throwaway PostgreSQL (removed at the end), creates the schema, pushes the \
        example modules of Examples/demo, starts three nodes in this process and calls them, \
        pushes a change and shows the nodes switching with the measured delay, shows a \
        broken push refused with diagnostics and a --skip-check broken release that the \
        nodes refuse while keeping their last good release, and rolls back. Then gray \
        release, with a login per role: an admin sets a channel policy (one approval, \
        steps 1,100%, a health gate), a push becomes a proposed rollout that another login \
        approves, the controller puts the candidate on one node of three, aborts it by \
        itself when its calls fail, and steps a fixed candidate to 100%, which the operator \
        promotes. Then signed releases: a fourth node with a trust file refuses the unsigned \
        release and runs signed ones, the second straight from its notification; hotload \
        verify checks the head. Last, the log and the node status. Needs PostgreSQL's server binaries \
        (initdb, pg_ctl, psql).
        """)

    /// The database the demo creates on its private server.
    static let database = "hotload_demo"

    // The example modules themselves are `Demo.modules` (DemoModules.swift, generated from
    // Examples/demo/rules by Examples/demo/embed.sh, so that the binary carries them).

    /// A change the demo makes to one of its modules.
    struct Edit {
        let module: String
        let replacing: String
        let with: String
    }

    /// The change of step 5: the French VAT rate.
    static let vatChange = Edit(module: "billing/tax.hl", replacing: #""FR": 0.20"#, with: #""FR": 0.055"#)
    /// The typo of steps 6 and 7.
    static let typo = Edit(module: "billing/pricing.hl", replacing: ">= vip_threshold", with: ">= vip_treshold")

    /// The text of the example module at `path`; an error when the binary does not carry it.
    static func module(_ path: String) throws -> String {
        guard let text = modules.first(where: { $0.path == path })?.text else {
            throw ValidationError("the demo carries no module \(path): rerun Examples/demo/embed.sh")
        }
        return text
    }

    /// The text of the module that `edit` changes, changed; an error when the text to
    /// replace is not in it (the examples were edited).
    static func module(after edit: Edit) throws -> String {
        let text = try module(edit.module)
        guard text.contains(edit.replacing) else {
            throw ValidationError("the demo module \(edit.module) no longer contains \(edit.replacing)")
        }
        return text.replacingOccurrences(of: edit.replacing, with: edit.with)
    }

    func run() async throws {
        try await reportingErrors {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = .critical
                return handler
            }
            let workspace = FileManager.default.temporaryDirectory
                .appendingPathComponent("hotload-demo-\(UInt32.random(in: 0...UInt32.max))").path
            try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: workspace) }

            step("1. A private PostgreSQL")
            try await withThrowawayServer { server in
                let url = try await Harness.offload { () throws(HarnessError) -> String in
                    try server.createDatabase(Self.database)
                }
                Output.line("started in \(server.directory) on port \(server.port)")
                try await withStore(ConnectionConfiguration(url)) { store in
                    try await story(store, server: server, url: url, workspace: workspace)
                }
            }
            step("Done")
            Output.line("the private server is removed; run `hotload dev up` for one that stays.")
        }
    }

    private func story(_ store: Store, server: PrivateServer, url: String, workspace: String) async throws {
        step("2. hotload init")
        let applied = try await store.migrate()
        Output.line("applied \(applied.joined(separator: ", "))")

        step("3. hotload push rules/")
        // Work inside the workspace so that diagnostics name `rules/...` like a real checkout.
        guard FileManager.default.changeCurrentDirectoryPath(workspace) else {
            throw ValidationError("cannot enter the demo workspace \(workspace)")
        }
        let rules = "rules"
        for module in Self.modules { try write(module.text, to: rules + "/" + module.path) }
        let first = try await push(store, rules, message: "first release")

        step("4. Three nodes follow channel main")
        let nodes = (1...3).map { Node(configuration: NodeConfiguration(
            database: url, name: "demo-node-\($0)", pollInterval: .seconds(2), heartbeatInterval: .milliseconds(200))) }
        let tasks = nodes.map { node in Task { try await node.run() } }
        defer { for task in tasks { task.cancel() } }
        for node in nodes {
            try await waitUntil("\(node.configuration.name) serves release \(first)") { node.current?.release == first }
        }
        let order = try Value(json: #"{"total": 1000.0, "items": [], "country": "FR"}"#)
        Output.line("order: {\"total\": 1000.0, \"items\": [], \"country\": \"FR\"}")
        for node in nodes { try call(node, order) }
        for node in nodes { try greet(node) }

        step("5. Change the French VAT rate and push: every node switches")
        let events = nodes.map { $0.events }
        try write(try Self.module(after: Self.vatChange), to: rules + "/" + Self.vatChange.module)
        let pushStart = ContinuousClock.now
        let second = try await push(store, rules, message: "FR: reduced VAT rate")
        let pushDone = ContinuousClock.now
        for (node, stream) in zip(nodes, events) {
            for await event in stream {
                if case .applied(let applied) = event, applied.release == second {
                    let recompiled = applied.recompiled
                    Output.line("\(node.configuration.name): release \(applied.previous.map(String.init) ?? "-") → \(applied.release) "
                        + "(\(applied.changed.joined(separator: ", ")) fetched, \(recompiled) module\(recompiled == 1 ? "" : "s") recompiled) "
                        + "\(ms(applied.at - pushStart)) after the push started (the push itself took \(ms(pushDone - pushStart)))")
                    break
                }
            }
        }
        for node in nodes { try call(node, order) }

        step("6. A broken push is refused before it reaches the database")
        let pricing = rules + "/" + Self.typo.module
        try write(try Self.module(after: Self.typo), to: pricing)
        do {
            _ = try await push(store, rules, message: "typo", quiet: true)
            Output.line("unexpected: the broken push was accepted")
        } catch let error as StoreError {
            Output.line("$ hotload push rules/")
            Output.line(render(error))
        }

        step("7. The same change with --skip-check: the nodes refuse it and keep release \(second)")
        let skipped = try await push(store, rules, message: "typo, pushed without check", skipCheck: true)
        for node in nodes {
            try await waitUntil("\(node.configuration.name) refused release \(skipped)") { node.status.errorRelease == skipped }
            let error = node.status.lastError.map { "\($0)" } ?? "?"
            Output.line("\(node.configuration.name): refused release \(skipped): \(error); still serving release \(node.current?.release ?? 0)")
        }
        for node in nodes { try call(node, order) }

        step("8. hotload rollback --release \(second)")
        try write(try Self.module(Self.typo.module), to: pricing)
        let rollback = try await store.rollback(release: second, options: options(message: "back to release \(second)"))
        PushReport.print(rollback)
        let restored = rollback.release ?? second
        for node in nodes {
            try await waitUntil("\(node.configuration.name) serves release \(restored)") { node.current?.release == restored }
            Output.line("\(node.configuration.name): serving release \(restored)")
        }

        let stable = try await grayRelease(GrayReleaseStage(
            store: store, server: server, database: Self.database, nodes: nodes, rules: rules, order: order,
            stable: restored))
        let signed = try await signedRelease(SignedReleaseStage(
            store: store, url: url, nodes: nodes, rules: rules, workspace: workspace, stable: stable))
        defer { signed.task.cancel() }
        let fleet = nodes + [signed.node]

        step("15. hotload log")
        for record in try await store.log(channel: "main", limit: 10) {
            let flags = record.skippedCheck ? "  [check skipped]" : ""
            let signers = record.signatures.isEmpty ? "" : "  [\(SignerText.line(record.signatures))]"
            Output.line("release \(record.release)  \(Output.safe(record.author))  \(Output.safe(record.message))\(flags)\(signers)")
            for change in record.changes {
                Output.line("    \(change.action.rawValue.padding(8)) \(change.module)\(change.version.map { " v\($0)" } ?? "")")
            }
        }

        step("16. hotload status")
        // Until a heartbeat carried the latest state of every node.
        var statuses = try await store.nodeStatuses()
        try await waitUntil("every node reports release \(signed.head)", every: .milliseconds(20)) {
            statuses = try await store.nodeStatuses()
            return statuses.count == fleet.count && statuses.allSatisfy { $0.appliedRelease == signed.head }
        }
        Output.raw(Status.table(statuses))
        for task in tasks + [signed.task] { task.cancel() }
        for task in tasks + [signed.task] { _ = await task.result }
    }

    private func options(message: String, skipCheck: Bool = false, signingKeys: [SigningKey] = []) -> ReleaseOptions {
        var options = ReleaseOptions(channel: "main", author: "demo", message: message, skipCheck: skipCheck)
        options.signingKeys = signingKeys
        return options
    }

    /// Pushes `directory` (on `store`, whose login `login` names in the narration), signed
    /// by `signingKeys`.
    func push(_ store: Store, _ directory: String, message: String, skipCheck: Bool = false,
              quiet: Bool = false, login: String? = nil, signingKeys: [SigningKey] = []) async throws -> Int64 {
        let modules = try ModuleFiles.load([directory]).map(ModuleFile.init)
        let result = try await store.push(PushRequest(
            modules: modules, options: options(message: message, skipCheck: skipCheck, signingKeys: signingKeys)))
        if !quiet {
            Output.line("$ hotload push rules/ -m \"\(message)\"\(skipCheck ? " --skip-check" : "")"
                        + "\(signingKeys.isEmpty ? "" : " --sign release.key")"
                        + "\(login.map { "   # as \($0)" } ?? "")")
            PushReport.print(result)
        }
        guard let release = result.release else { throw ValidationError("the push created no release") }
        return release
    }

    private func call(_ node: Node, _ order: Value) throws {
        guard let loaded = node.current else { return }
        let price = try loaded.snapshot.call(module: "billing/pricing", function: "final_price", args: [order])
        Output.line("\(node.configuration.name) (release \(loaded.release)): billing/pricing.final_price(order) = \(try price.json())")
    }

    func greet(_ node: Node) throws {
        guard let loaded = node.current else { return }
        let text = try loaded.snapshot.call(module: "greetings/hello", function: "greet", args: [.string("Hotload")])
        Output.line("\(node.configuration.name) (release \(loaded.release)): greetings/hello.greet(\"Hotload\") = \(try text.json())")
    }

    func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Waits until `condition` holds, checking it `every` 2 ms (in-memory node state) or
    /// more (a condition that reads the database); a guard against hangs, not a timing:
    /// after `timeout` it fails naming `what`.
    func waitUntil(_ what: String, timeout: Swift.Duration = .seconds(15), every: Swift.Duration = .milliseconds(2),
                   _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            if ContinuousClock.now > deadline { throw ValidationError("the demo timed out waiting until \(what)") }
            try await Task.sleep(for: every)
        }
    }

    func step(_ title: String) {
        Output.line()
        Output.line(Output.stdoutIsTerminal ? "\u{1B}[1m== \(title)\u{1B}[0m" : "== \(title)")
    }

    private func ms(_ duration: Swift.Duration) -> String {
        let value = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return String(format: "%.1f ms", value)
    }
}
