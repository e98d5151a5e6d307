import Foundation
import HotloadStore
import PQ
import Testing

/// Issue 10: the published bucket function, its vectors and its properties.
@Suite struct RolloutBucketTests {
    private struct Vectors: Decodable {
        struct Bucket: Decodable {
            let salt: String
            let node: String
            let bucket: UInt64
        }
        struct Threshold: Decodable {
            let step: String
            let threshold: UInt64
        }
        let buckets: [Bucket]
        let percent_thresholds: [Threshold]
    }

    /// `docs/rollout-vectors.json`, generated independently of the Swift code.
    private static func vectors() throws -> Vectors {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("docs/rollout-vectors.json"))
        return try JSONDecoder().decode(Vectors.self, from: data)
    }

    @Test func theImplementationMatchesThePublishedVectors() throws {
        let vectors = try Self.vectors()
        try #require(vectors.buckets.count >= 50 && vectors.percent_thresholds.count >= 5)
        for vector in vectors.buckets {
            #expect(RolloutBucket.bucket(salt: vector.salt, node: vector.node) == vector.bucket,
                    "salt \(vector.salt) node \(vector.node)")
            #expect(vector.bucket < RolloutBucket.space)
        }
        for vector in vectors.percent_thresholds {
            let step = try #require(RolloutStep(vector.step))
            #expect(step.threshold(liveBuckets: []) == vector.threshold, "\(vector.step)")
            #expect(step.description == vector.step)
        }
        #expect(RolloutStep("100%")?.threshold(liveBuckets: []) == RolloutBucket.space)
    }

    /// `hotload.rollout_bucket` (SQL, what nodes run) equals the published vectors, which
    /// `RolloutBucketTests` checks the Swift implementation against: one contract, two
    /// implementations, both pinned by `docs/rollout-vectors.json`.
    @Test func theSQLBucketMatchesThePublishedVectors() async throws {
        let vectors = try Self.vectors()
        try #require(vectors.buckets.count >= 50)
        let (store, _) = try await freshStore()
        let rows = try await store.connection.query("""
            SELECT v.i, hotload.rollout_bucket(v.salt, v.node) AS bucket
            FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS v(salt, node, i) ORDER BY v.i
            """, [.textArray(vectors.buckets.map(\.salt)), .textArray(vectors.buckets.map(\.node))])
        #expect(rows.count == vectors.buckets.count)
        for (row, vector) in zip(rows, vectors.buckets) {
            #expect(UInt64(try row.decode("bucket", as: Int64.self)) == vector.bucket, "salt \(vector.salt) node \(vector.node)")
        }
        // And on names the vectors do not hold.
        let names = (0..<200).map { "node-\($0)-\(UInt16.random(in: 0...UInt16.max))" }
        let more = try await store.connection.query(
            "SELECT hotload.rollout_bucket('17', n) AS bucket FROM unnest($1::text[]) WITH ORDINALITY AS t(n, i) ORDER BY i",
            [.textArray(names)])
        #expect(try more.map { UInt64(try $0.decode("bucket", as: Int64.self)) }
            == names.map { RolloutBucket.bucket(salt: "17", node: $0) })
        await store.connection.close()
    }

    /// A node's bucket depends only on the salt and its name: the same everywhere, every
    /// time, whatever other nodes exist; another salt reshuffles.
    @Test func bucketsAreSticky() {
        var generator = SystemRandomNumberGenerator()
        let names = (0..<500).map { "node-\($0)-\(UInt32.random(in: 0...UInt32.max, using: &generator))" }
        let first = names.map { RolloutBucket.bucket(salt: "17", node: $0) }
        let again = names.reversed().map { RolloutBucket.bucket(salt: "17", node: $0) }.reversed()
        #expect(first == Array(again))
        let tenPercent = RolloutStep.percent(hundredths: 1000)
        #expect(tenPercent.threshold(liveBuckets: first) == tenPercent.threshold(liveBuckets: []))
        let other = names.map { RolloutBucket.bucket(salt: "18", node: $0) }
        #expect(zip(first, other).filter { $0 == $1 }.count < 5)
    }

    /// Raising a step only adds nodes: with the effective threshold never lowered (as
    /// `Store.nextStep` and the database ensure), each step selects a superset.
    @Test func raisingAStepOnlyAddsNodes() throws {
        let names = (0..<1000).map { "host-\($0)" }
        for plan in ["1,10%,50%,100%", "0.5%,1%,5,25%,80", "3,7,0.01%,99.99%"] {
            let steps = try RolloutStep.parse(list: plan)
            let buckets = names.map { RolloutBucket.bucket(salt: plan, node: $0) }
            var threshold: UInt64 = 0
            var selected: Set<String> = []
            for step in steps {
                threshold = max(threshold, step.threshold(liveBuckets: buckets))
                let now = Set(zip(names, buckets).filter { RolloutBucket.selects(bucket: $1, threshold: threshold) }.map(\.0))
                #expect(now.isSuperset(of: selected), "\(plan) at \(step)")
                selected = now
            }
        }
        for _ in 0..<200 {
            let low = UInt64.random(in: 0...RolloutBucket.space)
            let high = UInt64.random(in: low...RolloutBucket.space)
            for name in names.prefix(100) {
                let bucket = RolloutBucket.bucket(salt: "m", node: name)
                if RolloutBucket.selects(bucket: bucket, threshold: low) {
                    #expect(RolloutBucket.selects(bucket: bucket, threshold: high))
                }
            }
        }
    }

    @Test func aNodeCountStepSelectsExactlyThatManyNodes() {
        for fleet in [1, 10, 100] {
            let names = (0..<fleet).map { "n\($0).example" }
            let buckets = names.map { RolloutBucket.bucket(salt: "42", node: $0) }
            for count in 1...fleet {
                let threshold = RolloutStep.nodes(count).threshold(liveBuckets: buckets)
                #expect(buckets.filter { RolloutBucket.selects(bucket: $0, threshold: threshold) }.count == count,
                        "\(count) of \(fleet)")
            }
            // More than there are: all of them; none live: nobody.
            let all = RolloutStep.nodes(fleet + 5).threshold(liveBuckets: buckets)
            #expect(buckets.allSatisfy { RolloutBucket.selects(bucket: $0, threshold: all) })
        }
        #expect(RolloutStep.nodes(3).threshold(liveBuckets: []) == 0)
    }

    /// Each tenth of the bucket space holds 10% ± 1% of 10,000 names.
    @Test func decilesOfTenThousandNamesHoldTenPercentEach() {
        var deciles = [Int](repeating: 0, count: 10)
        let tenth = RolloutBucket.space / 10
        for index in 0..<10_000 {
            let bucket = RolloutBucket.bucket(salt: "7", node: "worker-\(index)")
            deciles[min(Int(bucket / tenth), 9)] += 1
        }
        for (decile, count) in deciles.enumerated() {
            #expect((900...1100).contains(count), "decile \(decile): \(count)")
        }
    }

    @Test func stepsParseToCanonicalTextAndBadOnesAreRefused() throws {
        #expect(try RolloutStep.parse(list: "1, 10%,50.50%,100%").map(\.description) == ["1", "10%", "50.5%", "100%"])
        #expect(RolloutStep("0.05%") == .percent(hundredths: 5))
        for bad in ["0", "0%", "01", "100.01%", "101%", "1.234%", "%", "-1", "1e3", "10 %", "100000", ".5%", "5.%"] {
            #expect(RolloutStep(bad) == nil, "\(bad)")
        }
        for bad in ["", "10%,5%", "3,2", "1,,2", (1...21).map(String.init).joined(separator: ",")] {
            #expect(throws: StoreError.self, "\(bad)") { try RolloutStep.parse(list: bad) }
        }
    }

    @Test func gatesCompileAgainstCanaryAndStable() throws {
        _ = try RolloutGate.compile("canary.calls < 50 || canary.error_rate <= stable.error_rate + 0.01")
        _ = try RolloutGate.compile("canary.p99_ms <= stable.p99_ms * 1.5 && canary.errors <= stable.errors")
        for bad in ["canary.callz < 5", "canary.calls +", "canary.calls", "other.calls < 1"] {
            #expect(throws: StoreError.self, "\(bad)") { try RolloutGate.compile(bad) }
        }
    }
}
