// bench-link: how long linking a snapshot of many modules takes, and relinking after a
// change to one module.
//
//   swift run -c release bench-link [--modules 1000] [--lines 50]
//
// The generated modules form layers: each imports up to three modules of the layer
// below and has lets and functions that call its own and imported functions, about
// `--lines` lines each.
import Foundation
import HotloadModules

func module(_ i: Int, lines: Int, layerSize: Int) -> ModuleSource {
    var text = "// generated module \(i)\n"
    let layer = i / layerSize
    var aliases: [String] = []
    if layer > 0 {
        for k in 0..<3 {
            let dep = (layer - 1) * layerSize + (i * 7 + k * 13) % layerSize
            if !aliases.contains("m\(dep)") {
                text += "import gen/m\(dep)\n"
                aliases.append("m\(dep)")
            }
        }
    }
    text += "let base = \(i)\nlet rates = {\"a\": 0.1, \"b\": 0.2, \"c\": 0.3}\n"
    var fn = 0
    while text.split(separator: "\n").count < lines - 2 {
        let callee = fn > 0 ? "f\(fn - 1)(x) + " : ""
        let imported = aliases.isEmpty ? "" : "\(aliases[fn % aliases.count]).f0(x) + "
        text += """
        fn f\(fn)(x) =
          x.total > 100.0 && x.items.exists(i, i.qty > \(fn))
            ? \(callee)\(imported)x.total * rates[x.kind] + double(base)
            : size(x.items.filter(i, i.price > \(fn))) > 2 ? 1.0 : 0.0

        """
        fn += 1
    }
    text += "fn entry(x) = f\(max(0, fn - 1))(x)\n"
    return ModuleSource(name: "gen/m\(i)", text: text)
}

var count = 1000
var lines = 50
var args = CommandLine.arguments.dropFirst()
while let arg = args.popFirst() {
    switch arg {
    case "--modules": count = Int(args.popFirst() ?? "") ?? count
    case "--lines": lines = Int(args.popFirst() ?? "") ?? lines
    default:
        FileHandle.standardError.write(Data("usage: bench-link [--modules N] [--lines N]\n".utf8))
        exit(2)
    }
}
let layerSize = max(1, count / 10)
let sources = (0..<count).map { module($0, lines: lines, layerSize: layerSize) }
let totalLines = sources.map { $0.text.split(separator: "\n").count }.reduce(0, +)
let totalBytes = sources.map { $0.text.utf8.count }.reduce(0, +)
print("\(count) modules, \(totalLines) lines, \(totalBytes / 1024) KiB")

let clock = ContinuousClock()
let linker = Linker()
var snapshot: Snapshot?
var best = Duration.seconds(1_000)
for _ in 0..<3 {
    let elapsed = clock.measure {
        do { snapshot = try linker.link(sources) } catch {
            print("link failed: \(error)")
            exit(1)
        }
    }
    best = min(best, elapsed)
}
print("link: \(best) (best of 3)")
guard let first = snapshot else { exit(1) }

// Change one module in the bottom layer: it and its dependents recompile.
let changed = ModuleSource(name: "gen/m0", text: sources[0].text.replacingOccurrences(of: "let base = 0", with: "let base = 1"))
var relinked: Snapshot?
let relinkTime = clock.measure { relinked = try? linker.relink(first, changed: [changed], removed: []) }
print("relink after changing gen/m0: \(relinkTime), \(relinked?.recompiled.count ?? 0) modules recompiled")
let leaf = sources[count - 1]
let leafChanged = ModuleSource(name: leaf.name, text: leaf.text + "fn extra(x) = x\n")
var leafTime = Duration.seconds(1_000)
for _ in 0..<5 {
    leafTime = min(leafTime, clock.measure { relinked = try? linker.relink(first, changed: [leafChanged], removed: []) })
}
print("relink after changing \(leaf.name) (a leaf): \(leafTime) (best of 5), \(relinked?.recompiled.count ?? 0) module recompiled")
