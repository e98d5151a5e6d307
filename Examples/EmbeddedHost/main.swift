// An application embedding Hotload's module layer. Its scripts in rules/ are checked at
// build time by HotloadCheckPlugin (a broken script fails `swift build` with
// file:line:col errors) and linked at start-up here. A production host would follow a
// channel in PostgreSQL with HotloadNode instead of reading files.
import CEL
import Foundation
import HotloadModules

do {
    guard let rules = Bundle.module.url(forResource: "rules", withExtension: nil) else {
        throw ModuleFilesError(path: "rules", message: "not found in the bundle")
    }
    // A host function scripts can call, and a constant they can read.
    let round2 = FunctionDecl(name: "round2", overloads: [
        Overload(id: "round2_double", params: [.double], result: .double, implementation: .unary { value in
            guard case .double(let x) = value else { return .error(CELError("round2 wants a double")) }
            return .double((x * 100).rounded() / 100)
        }),
    ])
    let host = HostEnvironment(functions: [round2], constants: ["currency": .string("EUR")])
    let snapshot = try Linker(host: host).link(try ModuleFiles.load([rules.path]))

    let order = try Value(json: #"{"total": 1200.0, "items": [], "country": "FR"}"#)
    let price = try snapshot.call(module: "billing/pricing", function: "final_price", args: [order])
    print("modules: \(snapshot.moduleNames.joined(separator: ", "))")
    print("billing/pricing.final_price(order) = \(try price.json())")
} catch let error as CompileError {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
