import Foundation
import Synchronization

/// A child `switchboard-bench --child …` whose stderr is forwarded and watched for `READY`, and whose
/// stdout (one JSON object) is read at the end.
final class ChildProcess: Sendable {
    private let process: Process
    private let ready = Atomic<Int>(-1)
    private let stdoutData = Mutex<Data>(Data())
    private let done = Atomic<Bool>(false)

    init(args: [String], wrapper: [String] = []) throws {
        let p = Process()
        if wrapper.isEmpty {
            p.executableURL = URL(fileURLWithPath: selfPath)
            p.arguments = args
        } else {
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = wrapper + [selfPath] + args
        }
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        process = p
        try p.run()
        Thread { [self] in
            var buffer = Data()
            let h = err.fileHandleForReading
            while true {
                let chunk = h.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let nl = buffer.firstIndex(of: 10) {
                    let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...nl)
                    if line.hasPrefix("READY ") { self.ready.store(Int(line.dropFirst(6)) ?? 0, ordering: .relaxed) }
                    FileHandle.standardError.write(Data(("  | " + line + "\n").utf8))
                }
            }
        }.start()
        Thread { [self] in
            let h = out.fileHandleForReading
            while true {
                let chunk = h.availableData
                if chunk.isEmpty { break }
                self.stdoutData.withLock { $0.append(chunk) }
            }
            self.done.store(true, ordering: .relaxed)
        }.start()
    }

    /// Waits for `READY n`; returns n (or nil on timeout / exit).
    func waitReady(timeout: Double) async -> Int? {
        let deadline = Proc.now + timeout
        while Proc.now < deadline {
            let r = ready.load(ordering: .relaxed)
            if r >= 0 { return r }
            if !process.isRunning { return nil }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// Waits for the JSON object on stdout (the child may keep running, holding connections).
    func result(timeout: Double) async -> [String: Double] {
        let deadline = Proc.now + timeout
        while Proc.now < deadline {
            let d = stdoutData.withLock { $0 }
            if let nl = d.firstIndex(of: 10) ?? (done.load(ordering: .relaxed) ? d.endIndex : nil) {
                let obj = (try? JSONSerialization.jsonObject(with: d[d.startIndex..<nl])) as? [String: Any] ?? [:]
                return obj.compactMapValues { ($0 as? NSNumber)?.doubleValue }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return [:]
    }

    /// Waits for exit (the child prints its line before closing its clients).
    func wait(timeout: Double) async {
        let deadline = Proc.now + timeout
        while process.isRunning && Proc.now < deadline { try? await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { process.terminate() }
        while !done.load(ordering: .relaxed) && Proc.now < deadline + 5 { try? await Task.sleep(for: .milliseconds(50)) }
    }

    var stdoutText: Data { stdoutData.withLock { $0 } }

    var isRunning: Bool { process.isRunning }
    var pid: Int32 { process.processIdentifier }
}
