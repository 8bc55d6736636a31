// switchboard-bench: the `make bench` driver (issue 6, SPEC §7).
//
// Every scenario runs in a fresh child process of this binary (`--child <scenario>`), so RSS and CPU
// figures belong to that scenario alone; downstream WebSocket clients run in a further child process.
// The driver prints one table and writes bench/results.json. See docs/performance.md.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SwitchboardCore

// The allocator as `switchboard` sets it up (AllocatorTuning), so that in-process scenarios measure what is deployed.
AllocatorTuning.apply()

func parseOptions(_ args: ArraySlice<String>) -> [String: String] {
    var out: [String: String] = [:]
    var i = args.startIndex
    while i < args.endIndex {
        let a = args[i]
        if a.hasPrefix("--") {
            let key = String(a.dropFirst(2))
            if i + 1 < args.endIndex, !args[i + 1].hasPrefix("--") {
                out[key] = args[i + 1]
                i += 2
                continue
            }
            out[key] = "1"
        }
        i += 1
    }
    return out
}

// Lift the soft descriptor limit to the hard one (10,000 connections need 10,000 descriptors per side).
var limit = rlimit()
getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
limit.rlim_cur = limit.rlim_max
setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
signal(SIGPIPE, SIG_IGN)

let args = CommandLine.arguments.dropFirst()
let opts = parseOptions(args)
if let child = opts["child"] {
    switch child {
    case "clients": await ClientsChild.run(opts)
    case "ingest": await IngestChild.run(opts)
    case "storm": await StormChild.run(opts)
    case "fanout": await FanoutChild.run(opts)
    case "connections": await ConnectionsChild.run(opts)
    case "footprint": await FootprintChild.run(opts)
    case "recovery": await RecoveryChild.run(opts)
    case "quiet": await QuietChild.run(opts)
    case "churn": await ChurnChild.run(opts)
    case "churn-clients": await ChurnClientsChild.run(opts)
    case "store-ingest": await StoreIngestChild.run(opts)
    case "store-fill": await StoreFillChild.run(opts)
    case "store-restart": await StoreRestartChild.run(opts)
    case "audio": await AudioChild.run(opts)
    case "audio-load": await AudioLoadChild.run(opts)
    case "audio-analysis": await AudioAnalysisChild.run(opts)
    case "spotting": await SpottingChild.run(opts)
    case "audio-opus": AudioOpusChild.run(opts)
    case "journeys-ingest": await JourneysIngestChild.run(opts)
    case "journeys-memory": await JourneysMemoryChild.run(opts)
    case "relay": await RelayChild.run(opts)
    case "cluster": await ClusterChild.run(opts)
    default:
        log("unknown child \(child)")
        exit(2)
    }
    exit(0)
}
if opts["help"] != nil || args.contains("-h") {
    print(Driver.usage)
    exit(0)
}
if let problem = Driver.problem(in: args) {
    FileHandle.standardError.write(Data("switchboard-bench: \(problem)\n\(Driver.usage)\n".utf8))
    exit(2)
}
func runDriver(_ opts: [String: String]) async {
    var driver = Driver(options: opts)
    await driver.run()
}
await runDriver(opts)
