import Foundation
import Testing

/// One lock type across the code base: `Mutex` (Synchronization). Any other lock, condition,
/// semaphore or group must say why right above it, in a comment containing "not Mutex".
@Suite struct LockPolicyTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let otherLocks = [
        "NSLock", "NSRecursiveLock", "NSCondition", "NSConditionLock", "DispatchSemaphore", "DispatchGroup",
        "pthread_mutex", "pthread_cond", "pthread_rwlock", "os_unfair_lock", "OSAllocatedUnfairLock",
    ]

    @Test func everyLockIsAMutexOrSaysWhyNot() throws {
        var scanned = 0
        var unexplained: [String] = []
        for folder in ["Sources", "Tests", "Examples"] {
            let base = Self.root.appendingPathComponent(folder).path
            let walker = try #require(FileManager.default.enumerator(atPath: base), "\(base) is missing")
            for case let file as String in walker where file.hasSuffix(".swift") && !file.hasSuffix("LockPolicyTests.swift") {
                scanned += 1
                let lines = try String(contentsOfFile: base + "/" + file, encoding: .utf8)
                    .split(separator: "\n", omittingEmptySubsequences: false)
                for (index, line) in lines.enumerated() {
                    let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                    guard Self.otherLocks.contains(where: { code.contains($0) }) else { continue }
                    let above = lines[max(0, index - 4)..<index].filter { $0.contains("//") }
                    if !above.contains(where: { $0.contains("not Mutex") }) {
                        unexplained.append("\(folder)/\(file):\(index + 1): \(line.trimmingCharacters(in: .whitespaces))")
                    }
                }
            }
        }
        #expect(scanned > 100, "found only \(scanned) Swift files under \(Self.root.path)")
        #expect(unexplained.isEmpty, "use Mutex, or say why not in a comment above:\n\(unexplained.joined(separator: "\n"))")
    }
}
