import CEL
import HotloadModules
import Testing

@Suite("Host declarations for offline checks")
struct HostDeclarationsTests {
    let json = #"""
    {"functions": [{"name": "round2", "overloads": [{"params": ["double"], "result": "double"}]},
                   {"name": "slug", "overloads": [{"params": ["string"], "result": "string", "receiver": true}]}],
     "constants": {"region": "eu"}}
    """#

    @Test func declaredFunctionsAndConstantsCheck() throws {
        let host = try HostEnvironment(declarationsJSON: Array(json.utf8))
        let module = ModuleSource(name: "app", text: "fn f(x, s) = round2(x) > 1.0 && s.slug() != region\n")
        let snapshot = try Linker(host: host).link([module])
        // Declared for checking only: a call says so instead of running anything.
        let result = try snapshot.call(module: "app", function: "f", args: [.double(2), .string("a")])
        guard case .error(let error) = result else {
            Issue.record("expected an error value, got \(result)")
            return
        }
        #expect(error.message.contains("only declared here"))
    }

    @Test func wrongArgumentTypesAreDiagnostics() throws {
        let host = try HostEnvironment(declarationsJSON: Array(json.utf8))
        #expect(throws: CompileError.self) {
            try Linker(host: host).link([ModuleSource(name: "app", text: "fn f() = round2('x')\n")])
        }
    }

    @Test(arguments: [
        "[]", #"{"functions": 3}"#, #"{"functions": [{"name": "f"}]}"#,
        #"{"functions": [{"name": "f", "overloads": [{"params": ["list(int"]}]}]}"#,
        #"{"extra": 1}"#, "{",
    ])
    func malformedFilesAreRefused(_ text: String) {
        #expect(throws: HostDeclarationsError.self) { try HostEnvironment(declarationsJSON: Array(text.utf8)) }
    }
}
