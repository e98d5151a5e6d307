import CEL
import HotloadModules
import Testing

@Suite("Relinking and snapshots")
struct RelinkTests {
    /// base ← mid ← top, plus an unrelated module.
    let sources = [
        ModuleSource(name: "base", text: "let factor = 2\nfn scale(x) = x * factor\n"),
        ModuleSource(name: "mid", text: "import base\nfn double_scale(x) = base.scale(base.scale(x))\n"),
        ModuleSource(name: "top", text: "import mid\nfn run(x) = mid.double_scale(x) + 1\n"),
        ModuleSource(name: "other", text: "fn id(x) = x\n"),
    ]

    @Test func linkCompilesEverythingOnce() throws {
        let snapshot = try Linker().link(sources)
        #expect(Set(snapshot.recompiled) == ["base", "mid", "top", "other"])
        #expect(snapshot.recompiled.firstIndex(of: "base")! < snapshot.recompiled.firstIndex(of: "mid")!)
        #expect(try snapshot.call(module: "top", function: "run", args: [.int(3)]).celEquals(.int(13)))
    }

    @Test func relinkRecompilesOnlyChangedModulesAndDependents() throws {
        let linker = Linker()
        let first = try linker.link(sources)
        let changedBase = ModuleSource(name: "base", text: "let factor = 3\nfn scale(x) = x * factor\n")
        let second = try linker.relink(first, changed: [changedBase], removed: [])
        #expect(second.recompiled == ["base", "mid", "top"])
        #expect(try second.call(module: "top", function: "run", args: [.int(3)]).celEquals(.int(28)))
        // The untouched module is the very same linked object.
        #expect(second.modules["other"] === first.modules["other"])
        // The old snapshot is unchanged: calls in flight keep their release.
        #expect(try first.call(module: "top", function: "run", args: [.int(3)]).celEquals(.int(13)))

        let changedLeaf = ModuleSource(name: "top", text: "import mid\nfn run(x) = mid.double_scale(x) + 2\n")
        let third = try linker.relink(second, changed: [changedLeaf], removed: [])
        #expect(third.recompiled == ["top"])
    }

    @Test func removingAnImportedModuleIsADiagnostic() throws {
        let linker = Linker()
        let first = try linker.link(sources)
        #expect(throws: CompileError.self) { try linker.relink(first, changed: [], removed: ["base"]) }
        let second = try linker.relink(first, changed: [], removed: ["other"])
        #expect(second.moduleNames == ["base", "mid", "top"])
        #expect(second.recompiled.isEmpty)
    }

    @Test func callErrors() throws {
        let snapshot = try Linker().link(sources + [ModuleSource(name: "priv", text: "fn _hidden() = 1\n")])
        #expect(throws: CallError(.unknownModule, "unknown module 'nope'", module: "nope", function: "f")) {
            try snapshot.call(module: "nope", function: "f", args: [])
        }
        #expect(throws: CallError.self) { try snapshot.call(module: "base", function: "nope", args: []) }
        #expect(throws: CallError.self) { try snapshot.call(module: "priv", function: "_hidden", args: []) }
        #expect(throws: CallError.self) { try snapshot.call(module: "base", function: "scale", args: []) }
        // The codes are stable: the sidecar sends their raw values to clients.
        for (module, function, code) in [("nope", "f", "unknown_module"), ("base", "nope", "unknown_function"),
                                         ("priv", "_hidden", "private_function"), ("base", "scale", "wrong_arity")] {
            do throws(CallError) {
                _ = try snapshot.call(module: module, function: function, args: [])
                Issue.record("\(module).\(function) was called")
            } catch {
                #expect(error.code.rawValue == code && error.code == CallError.Code(rawValue: code))
                #expect(error.module == module && error.function == function)
            }
        }
        #expect(snapshot.dependents(of: "base") == ["mid", "top"])
        #expect(snapshot.imports(of: "top") == ["mid"])
    }

    @Test func hostFunctionsAndConstants() throws {
        let greet = FunctionDecl(name: "greet", overloads: [
            Overload(id: "greet_string", params: [.string], result: .string,
                     implementation: .unary { v in
                         if case .string(let s) = v { return .string("hello " + s) }
                         return .error(CELError("greet wants a string"))
                     }),
        ])
        let host = HostEnvironment(functions: [greet], constants: ["region": .string("eu")])
        let snapshot = try Linker(host: host).link([
            ModuleSource(name: "app", text: "fn hi(name) = greet(name) + ' from ' + region\n"),
        ])
        #expect(try snapshot.call(module: "app", function: "hi", args: [.string("ann")]).celEquals(.string("hello ann from eu")))
    }

    @Test func callsFromManyThreadsOnOneSnapshot() async throws {
        let snapshot = try Linker().link(sources)
        await withTaskGroup(of: Bool.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for i in 0..<2_000 {
                        let x = Int64(worker * 10_000 + i)
                        guard let result = try? snapshot.call(module: "top", function: "run", args: [.int(x)]),
                              result.celEquals(.int(x * 4 + 1)) else { return false }
                    }
                    return true
                }
            }
            for await ok in group { #expect(ok) }
        }
    }

    @Test func costBudgetStopsRunawayCalls() throws {
        var limits = Limits()
        limits.maxCost = 10_000
        let snapshot = try Linker(limits: limits).link([
            ModuleSource(name: "heavy", text: "fn spin(xs) = xs.all(i, xs.all(j, i + j >= 0))\n"),
        ])
        let xs = Value.list((0..<1_000).map { Value.int(Int64($0)) })
        let result = try snapshot.call(module: "heavy", function: "spin", args: [xs])
        guard case .error(let error) = result else {
            Issue.record("expected the cost budget to stop the call, got \(result)")
            return
        }
        #expect(error.message.contains("cost budget"))
    }
}
