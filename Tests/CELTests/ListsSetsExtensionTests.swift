import CELConformance
import Foundation
import Testing
@testable import CEL

/// The lists and sets extensions: the data files in `Data/ext/` (conformance format, error
/// messages checked), plus cost limits, large inputs and direct calls with bad arguments.
@Suite("ListsSetsExtension")
struct ListsSetsExtensionTests {
    static let files = ["lists_ext.json", "sets_ext.json"]

    @Test(arguments: files)
    func dataFile(_ file: String) throws {
        let url = try #require(Bundle.module.url(forResource: "Data", withExtension: nil))
            .appendingPathComponent("ext").appendingPathComponent(file)
        let bytes = try [UInt8](Data(contentsOf: url))
        #expect(!bytes.isEmpty, "\(file) is empty")
        let corpus = try ConformanceCorpus(name: String(file.dropLast(5)), json: bytes)
        #expect(corpus.tests.count >= 30, "\(file) has only \(corpus.tests.count) tests")
        let result = corpus.run(strictErrors: true)
        #expect(result.passed == corpus.tests.count)
        #expect(result.skipped == 0, "\(result.summary)")
        #expect(result.failed == 0, "\(result.summary)\n\(result.failures.map(\.description).joined(separator: "\n"))")
    }

    func eval(_ text: String, limits: Limits = .default) -> Value { LibraryCall.eval(text, limits: limits) }

    func errorMessage(_ v: Value) -> String? {
        if case .error(let e) = v { return e.message }
        return nil
    }

    // MARK: - Cost and size limits

    @Test func costIsChargedByWhatIsReadAndBuilt() {
        var limits = Limits.default
        limits.maxCost = 5_000
        // Each call reads or builds 3,000 elements: one fits in the budget, the second does not.
        #expect(LibraryCall.same(eval("lists.range(3000).size()", limits: limits), .int(3000)))
        for expr in ["lists.range(3000).reverse().size()", "lists.range(3000).distinct().size()",
                     "lists.range(3000).sort().size()", "lists.range(3000).slice(0, 3000).size()",
                     "lists.range(3000).flatten(1).size()", "lists.range(3000).sortBy(x, x).size()",
                     "sets.contains(lists.range(3000), lists.range(3000))"] {
            #expect(errorMessage(eval(expr, limits: limits))?.contains("Limits.maxCost") == true, "\(expr)")
        }
    }

    /// `distinct` and the sets functions hash and compare nested values: they spend the budget
    /// on every element they read, not only on the outer list's size. Charged by the outer
    /// size only, the 200 calls below would cost about 200,000 units and do 400 million
    /// element operations (and 200 × 5,000 calls would not finish).
    @Test func nestedWorkIsMetered() {
        let big = "lists.range(1000).map(i, lists.range(1000))"
        for call in ["big.distinct().size() == 1", "sets.contains(big, big)", "sets.equivalent(big, big)",
                     "!sets.intersects(big, [[1]])"] {
            let expr = "cel.bind(big, \(big), lists.range(200).all(j, \(call)))"
            #expect(errorMessage(eval(expr))?.contains("Limits.maxCost") == true, "\(call)")
        }
        // One call over the same value fits the default budget.
        #expect(LibraryCall.same(eval("cel.bind(big, \(big), big.distinct().size())"), .int(1)))
        #expect(LibraryCall.same(eval("cel.bind(big, \(big), dyn(big).distinct().size())"), .int(1)))
    }

    /// `sort` and `sortBy` are charged n log n and, for string and bytes keys, the bytes a
    /// comparison may read, before they sort. Charged by the list's size only, the 200 sorts
    /// of 1,000 strings of 100 bytes below would cost about 400,000 units.
    @Test func sortIsChargedByWhatItCompares() {
        let strings = "lists.range(1000).map(i, lists.range(100).map(k, 'x').join())"
        for call in ["l.sort().size() == 1000", "l.sortBy(s, s).size() == 1000"] {
            let expr = "cel.bind(l, \(strings), lists.range(200).all(j, \(call)))"
            #expect(errorMessage(eval(expr))?.contains("Limits.maxCost") == true, "\(call)")
        }
        #expect(LibraryCall.same(eval("cel.bind(l, \(strings), l.sort().size())"), .int(1000)))
        #expect(ListsExtension.sortCost([.string("abc"), .string("de"), .int(1)]) == (3 + 5) * 2)
    }

    /// `flatten` spends a unit on every element it visits: a list of 1,000 empty lists
    /// flattens to nothing, yet is read whole each time.
    @Test func flattenIsChargedByWhatItVisits() {
        let empties = "lists.range(1000).map(i, [])"
        for call in ["[l].flatten(2).size() == 0", "l.flatten().size() == 0"] {
            let expr = "cel.bind(l, \(empties), lists.range(20000).all(j, \(call)))"
            #expect(errorMessage(eval(expr))?.contains("Limits.maxCost") == true, "\(call)")
        }
    }

    @Test func resultsAboveMaxCollectionSizeAreRefused() {
        var limits = Limits.default
        limits.maxCollectionSize = 1000
        #expect(errorMessage(eval("lists.range(1001)", limits: limits))?.contains("maxCollectionSize") == true)
        #expect(LibraryCall.same(eval("lists.range(1000).size()", limits: limits), .int(1000)))
        // 40 lists of 30: each fits, the flattened 1,200 elements do not.
        let nested = "lists.range(40).map(i, lists.range(30)).flatten()"
        #expect(errorMessage(eval(nested, limits: limits))?.contains("maxCollectionSize") == true)
        #expect(errorMessage(eval("lists.range(9223372036854775807)"))?.contains("maxCollectionSize") == true)
    }

    // MARK: - Large inputs stay linear (n log n for sort)

    @Test func largeInputsFinish() {
        let started = ContinuousClock.now
        let n = 200_000
        #expect(LibraryCall.same(eval("lists.range(\(n)).distinct().size()"), .int(Int64(n))))
        #expect(LibraryCall.same(eval("sets.equivalent(lists.range(\(n)), lists.range(\(n)).reverse())"), .bool(true)))
        #expect(LibraryCall.same(eval("sets.intersects(lists.range(\(n)), [dyn(\(n - 1).0)])"), .bool(true)))
        #expect(LibraryCall.same(eval("lists.range(\(n)).reverse().sort() == lists.range(\(n))"), .bool(true)))
        // Many equal nested lists cost one probe each, not one per copy.
        #expect(LibraryCall.same(eval("lists.range(\(n)).map(i, [1, 2]).distinct()"),
                                 .list([.list([.int(1), .int(2)])])))
        // Pairwise comparison would take minutes here; the guard only catches a hang.
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    // MARK: - Direct calls

    static let decls = ListsExtension.declarations(limits: .default) + SetsExtension.declarations(limits: .default)

    @Test func badArgumentsAreErrorValues() {
        let odd: [Value] = [.null, .int(1), .string("a"), .map(CELMap()), .error(CELError("boom"))]
        for decl in Self.decls {
            for overload in decl.overloads {
                for bad in odd where !overload.params.allSatisfy({ bad.conforms(to: $0) }) {
                    let args = Array(repeating: bad, count: overload.params.count)
                    let result = LibraryCall.invoke(Self.decls, overload.id, args)
                    #expect(result.isError, "\(overload.id)(\(bad))")
                }
            }
        }
    }

    @Test func sortPutsNaNLastAndIsStable() {
        let nan = Value.double(.nan)
        let sorted = ListsExtension.sortByKeys([.double(2), nan, .double(1), nan, .double(-1)],
                                               keys: [.double(2), nan, .double(1), nan, .double(-1)])
        guard case .list(let items) = sorted else { Issue.record("\(sorted)"); return }
        #expect(items.count == 5)
        #expect(LibraryCall.same(.list(Array(items.prefix(3))), .list([.double(-1), .double(1), .double(2)])))
        #expect(items.suffix(2).allSatisfy { if case .double(let d) = $0 { d.isNaN } else { false } })
        let stable = ListsExtension.sortByKeys([.string("a"), .string("b"), .string("c"), .string("d")],
                                               keys: [.int(1), .int(0), .int(1), .int(0)])
        #expect(LibraryCall.same(stable, .list([.string("b"), .string("d"), .string("a"), .string("c")])))
        let mismatch = ListsExtension.sortByKeys([.int(1)], keys: [])
        #expect(errorMessage(mismatch)?.contains("same size") == true)
    }

    @Test func distinctFollowsCELEquality() {
        // 2^53 + 1 equals 2^53 as a double, which equals 2^53 as an int; the ints differ.
        let big = Value.int(9_007_199_254_740_993)
        let result = ListsExtension.distinct([big, .double(9_007_199_254_740_992), .int(9_007_199_254_740_992),
                                              .uint(9_007_199_254_740_993), .double(-0.0), .int(0)])
        #expect(LibraryCall.same(result, .list([big, .int(9_007_199_254_740_992), .double(-0.0)])))
        #expect(SetsExtension.contains([.uint(UInt64(Int64.max) + 1)], [.double(9.223372036854775808e18)]))
        #expect(SetsExtension.contains([.int(Int64.max)], [.double(9.223372036854775808e18)]))
        #expect(!SetsExtension.contains([.int(1), .uint(2)], [.double(1.5)]))
    }
}
