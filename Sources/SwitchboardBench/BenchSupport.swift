import Foundation
import Simulator
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One row of `bench/results.json` (SPEC §7): `{"name","metric","value","unit","config"}`.
struct BenchResult: Codable, Sendable {
    var name: String
    var metric: String
    var value: Double
    var unit: String
    var target: String?
    var config: [String: String]
}

/// Process and machine facts read from /proc and getrusage.
enum Proc {
    /// A `kB` field of /proc/self/status (`VmRSS`, `VmHWM`), in bytes.
    static func statusBytes(_ field: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let digits = line.split(separator: " ").compactMap { Int($0) }
            return (digits.first ?? 0) * 1024
        }
        return 0
    }
    static var rss: Int { statusBytes("VmRSS") }
    static var peakRSS: Int { statusBytes("VmHWM") }

    /// User + system CPU seconds of this process so far.
    static var cpuSeconds: Double {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6
            + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
    }

    /// CPU seconds of the calling thread so far (`CLOCK_THREAD_CPUTIME_ID`, nanosecond resolution).
    static var threadCPUSeconds: Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Monotonic seconds.
    static var now: Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Wall-clock epoch milliseconds with a fraction (the clock simulator and bridge share).
    static var wallMillis: Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
    }

    /// Returns the heap to the OS as far as glibc can, so RSS differences mean live memory.
    static func trim() { _ = benchMallocTrim(0) }

    /// The open-files hard limit of this process (`ulimit -Hn`).
    static var openFilesHardLimit: Int {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        return limit.rlim_max > rlim_t(Int.max) ? Int.max : Int(limit.rlim_max)
    }

    static var cpuModel: String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        }
        return "unknown"
    }
    static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }
    static var memoryGiB: Double { Double(ProcessInfo.processInfo.physicalMemory) / Double(1 << 30) }
    static var kernel: String {
        var u = utsname()
        uname(&u)
        return withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }
}

/// Percentile of a sorted array (nearest rank).
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(sorted.count - 1, max(0, rank))]
}

func fmt(_ v: Double, _ digits: Int = 1) -> String {
    if v.isNaN { return "n/a" }
    return String(format: "%.\(digits)f", v)
}

/// Prints to stderr (stdout of children carries their JSON result).
func log(_ s: String) {
    FileHandle.standardError.write(Data(("[bench] " + s + "\n").utf8))
}

/// Runs `args` as a child process; returns (exit status, stdout, stderr).
func runProcess(_ executable: String, _ args: [String]) throws -> (Int32, Data, Data) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = args
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    // Read both pipes concurrently so neither fills up.
    nonisolated(unsafe) var errData = Data()
    let t = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
    t.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    while !t.isFinished { usleep(1000) }
    return (p.terminationStatus, outData, errData)
}

/// The path of this executable (children are this binary with `--child`).
var selfPath: String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}

/// The `switchboard` executable built beside this one (the scenarios that run a real bridge process); nil, with
/// a line saying so, when it is missing.
func siblingSwitchboard(scenario: String) -> String? {
    let exe = URL(fileURLWithPath: selfPath).deletingLastPathComponent().appendingPathComponent("switchboard").path
    guard FileManager.default.isExecutableFile(atPath: exe) else {
        log("\(scenario): \(exe) not found; build it (scripts/bench.sh builds it beside switchboard-bench)")
        return nil
    }
    return exe
}

/// The `orgs:` entries of a bridge YAML for the simulator's orgs at `simBase` (indented under `orgs:`), each
/// secret referenced as `${SECRET_<ORG>}` and put into `env`.
func simulatorOrgEntries(_ orgIDs: [String], simBase: String, options: SimulatorOptions,
                         env: inout [String: String]) -> String {
    var yaml = ""
    for org in orgIDs {
        yaml += """
              - id: \(org)
                apiBase: \(simBase)
                loginBase: \(simBase)
                clientId: \(SimulatorOptions.clientID(for: org))
                clientSecret: ${SECRET_\(org.uppercased())}
                timezone: \(options.timeZoneID(for: org))

            """
        env["SECRET_\(org.uppercased())"] = SimulatorOptions.clientSecret(for: org)
    }
    return yaml
}

/// glibc's `malloc_trim` (not exported by the Glibc module).
@_silgen_name("malloc_trim")
func benchMallocTrim(_ pad: Int) -> Int32

/// A shareable atomic integer (Atomic itself is non-copyable and cannot be captured).
final class AtomicInt: Sendable {
    private let storage = Atomic<Int>(0)
    init() {}
    func load() -> Int { storage.load(ordering: .relaxed) }
    func store(_ v: Int) { storage.store(v, ordering: .relaxed) }
}
