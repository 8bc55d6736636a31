import Foundation
import Testing

/// A long-running child (`switchboard run`, `demo`, `simulate`): its output is collected while it runs, so
/// a test can wait for `listening on …`, talk to it, stop it with SIGTERM and read what it logged.
final class RunningProcess: @unchecked Sendable {
    private let process = Process()
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()

    init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        let o = Pipe(), e = Pipe()
        process.standardOutput = o
        process.standardError = e
        o.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            self?.lock.withLock { self?.out.append(d) }
        }
        e.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            self?.lock.withLock { self?.err.append(d) }
        }
        try process.run()
    }

    var stdout: String { lock.withLock { String(decoding: out, as: UTF8.self) } }
    var stderr: String { lock.withLock { String(decoding: err, as: UTF8.self) } }
    var isRunning: Bool { process.isRunning }

    /// Waits until stdout holds a line containing `text` (or the process ended); returns that line.
    func waitForLine(containing text: String, seconds: Double = 60) async -> String? {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            if let line = stdout.split(separator: "\n").first(where: { $0.contains(text) }) { return String(line) }
            if !process.isRunning { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return stdout.split(separator: "\n").first(where: { $0.contains(text) }).map(String.init)
    }

    /// Sends SIGTERM and waits for the exit status (SIGKILL after `seconds`, which fails the caller's checks).
    func terminate(seconds: Double = 30) async -> Int32 {
        if process.isRunning { process.terminate() }
        return await waitForExit(seconds: seconds)
    }

    /// Sends SIGKILL (a crash: nothing runs on the way out) and waits until the process is gone.
    func kill9() async {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }

    /// Sends SIGKILL without waiting (for a test's cleanup).
    func kill9Now() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Waits for the process to end by itself.
    func waitForExit(seconds: Double = 30) async -> Int32 {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            Issue.record("the process did not end within \(seconds) s; killing it")
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
        }
        // Let the pipes drain.
        try? await Task.sleep(for: .milliseconds(200))
        return process.terminationStatus
    }
}

/// A socket listening on a free loopback port, so a test can make `bind` fail.
final class OccupiedPort {
    let port: Int
    private let fd: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 1) == 0 else {
            close(fd)
            throw ExecutableLocator.LocatorError(message: "cannot bind a test socket")
        }
        var out = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &out) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.port = Int(UInt16(bigEndian: out.sin_port))
    }

    deinit { close(fd) }
}
