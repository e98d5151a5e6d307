import ArgumentParser
import Foundation
import HotloadStore
import PQ
import Logging
import ServiceLifecycle

/// `hotload controller`: steers staged rollouts (steps, gates, aborts) until stopped.
struct Controller: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Steer staged rollouts: enter steps, judge health gates, abort failing candidates.",
        discussion: """
        Every --interval seconds, for each approved or progressing rollout (of --channel, or of \
        every channel): enters its first step; judges its gates over the canary and stable \
        figures the nodes report (recorded as `gate` events in `hotload rollout log`); aborts it \
        after three failing evaluations in a row, naming the gate; holds the step while the \
        canary served fewer than --min-canary-calls calls in the window; enters the next step \
        once the current one has baked with its gates held. It never promotes: after the last \
        step an operator runs `hotload rollout promote`.

        Several controllers may run; for each channel with an active rollout one leads: it \
        holds the channel's lease (hotload.controller_leases, three intervals long, renewed \
        every tick), which the database grants to hotload_operator logins only and requires \
        for every step, gate verdict and abort a controller takes. A standby takes over at its \
        next tick once the leader stopped cleanly or its database session ended, or once its \
        lease expired (a hung leader). Without a running controller, rollouts hold where they \
        are and `hotload rollout status` says so. Needs a login with hotload_operator. \
        SIGTERM/SIGINT stop it cleanly and hand its channels over at once.
        """)

    @Option(help: "The channel to steer (default: every channel).")
    var channel: String?

    @Option(help: "Seconds between two ticks.")
    var interval: Double = 10

    @Option(help: "Fewer canary calls than this in the window hold the step (gates are not judged).")
    var minCanaryCalls: Int = 20

    @Option(help: "Seconds without heartbeat after which a node is not live.")
    var liveSeconds: Int = 30

    @Flag(help: "Print each decision as a JSON line.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            guard interval >= 0.05, interval <= 3_600 else { throw ValidationError("--interval must be 0.05 to 3600 seconds") }
            guard (0...1_000_000_000).contains(minCanaryCalls) else {
                throw ValidationError("--min-canary-calls must be 0 or more")
            }
            guard (1...86_400).contains(liveSeconds) else { throw ValidationError("--live-seconds must be 1 to 86400") }
            if let channel, !ChannelName.isValid(channel) { throw StoreError.invalidChannelName(channel) }
            let controller = RolloutController(configuration: ControllerConfiguration(
                channel: channel, interval: .milliseconds(Int64(interval * 1000)), minCanaryCalls: minCanaryCalls,
                liveSeconds: liveSeconds))
            let service = ControllerService(controller: controller, database: connection.configuration, json: json)
            var logger = Logger(label: "hotload.controller")
            logger.logLevel = .warning
            let group = ServiceGroup(configuration: .init(services: [.init(service: service)],
                                                          gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}

/// The controller as a service: runs until a signal asks for a graceful shutdown.
private struct ControllerService: Service {
    let controller: RolloutController
    let database: ConnectionConfiguration
    let json: Bool

    func run() async throws {
        let json = self.json
        try await cancelWhenGracefulShutdown {
            try await controller.run(database) { event in ControllerService.print(event, json: json) }
        }
    }

    /// One line per decision: text, or a JSON object.
    static func print(_ event: ControllerEvent, json: Bool) {
        let at = Output.timestamp(Date())
        if json {
            var object: [String: Any] = ["at": at, "kind": event.kind.rawValue, "message": event.message]
            if let channel = event.channel { object["channel"] = channel }
            if let rollout = event.rollout { object["rollout"] = rollout }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
            Output.line(String(decoding: data, as: UTF8.self))
        } else {
            let subject = event.rollout.map { "rollout \($0)" } ?? "channel"
            Output.line("\(at)  \(event.kind.rawValue)  \(subject) \(Output.safe(event.channel ?? "*"))  "
                        + Output.safe(event.message))
        }
    }
}
