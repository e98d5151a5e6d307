extension Store {
    /// Approves the rollout's current plan as the connected login. Refused for the login
    /// that pushed the candidate or started the rollout, and for a second approval of the
    /// same plan. Needs `hotload_approver`.
    /// - Returns: the rollout's phase afterwards (`approved` once enough logins approved).
    @discardableResult
    public func approveRollout(_ rollout: Int64, message: String = "") async throws -> RolloutPhase {
        try Self.validate(message: message)
        return try await runRollout(needs: .approver, .init(rollout: rollout, action: "be approved")) {
            let rows = try await connection.query("SELECT hotload.rollout_approve($1, $2) AS phase",
                                                  [.int(rollout), .text(message)])
            let phase = try rows.first?.decode("phase", as: String.self) ?? ""
            return RolloutPhase(rawValue: phase) ?? .proposed
        }
    }

    /// Rejects the rollout: one rejection ends it. Needs `hotload_approver`.
    public func rejectRollout(_ rollout: Int64, message: String) async throws {
        guard !message.allSatisfy(\.isWhitespace) else {
            throw StoreError.invalidRequest("a rejection needs a message saying why")
        }
        try Self.validate(message: message)
        try await runRollout(needs: .approver, .init(rollout: rollout, action: "be rejected")) {
            try await connection.execute("SELECT hotload.rollout_reject($1, $2)", [.int(rollout), .text(message)])
        }
    }

    private static func validate(message: String) throws {
        if message.unicodeScalars.contains(where: { TerminalText.isControl($0) && $0 != "\n" && $0 != "\t" }) {
            throw StoreError.invalidRequest("the message contains control characters other than newlines and tabs")
        }
    }
}
