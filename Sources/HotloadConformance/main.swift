// hotload-conformance FILE.json... [--verbose]
//
// Runs conformance corpora (format: shared/conformance/README.md) against the CEL engine
// and prints, per file, `NAME: P passed, F failed, S skipped`, then `N passed, M failed`.
// Exits with status 1 when any test failed or a file could not be read.
import CEL
import CELConformance

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func readFile(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&chunk, 1, chunk.count, file)
        if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
        if n < chunk.count { break }
    }
    return ferror(file) == 0 ? bytes : nil
}

func printError(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { buffer in _ = write(2, buffer.baseAddress, buffer.count) }
}

var verbose = false
var paths: [String] = []
for arg in CommandLine.arguments.dropFirst() {
    switch arg {
    case "--verbose", "-v": verbose = true
    case "--help", "-h":
        print("usage: hotload-conformance [--verbose] FILE.json...")
        exit(0)
    default: paths.append(arg)
    }
}
guard !paths.isEmpty else {
    printError("usage: hotload-conformance [--verbose] FILE.json...")
    exit(2)
}

var totalPassed = 0, totalFailed = 0
var unreadable = false
for path in paths {
    guard let bytes = readFile(path) else {
        printError("error: cannot read \(path)")
        unreadable = true
        continue
    }
    var name = path.split(separator: "/").last.map(String.init) ?? path
    if name.hasSuffix(".json") { name.removeLast(5) }
    let corpus: ConformanceCorpus
    do {
        corpus = try ConformanceCorpus(name: name, json: bytes)
    } catch {
        printError("error: \(error)")
        unreadable = true
        continue
    }
    let result = corpus.run()
    if verbose {
        for failure in result.failures { print("FAIL \(name)/\(failure)") }
    }
    print(result.summary)
    totalPassed += result.passed
    totalFailed += result.failed
}
print("\(totalPassed) passed, \(totalFailed) failed")
exit(totalFailed > 0 || unreadable ? 1 : 0)
