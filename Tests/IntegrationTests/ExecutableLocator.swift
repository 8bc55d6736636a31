import Foundation

/// Finds the built `switchboard` executable next to the test bundle (both live in the same
/// SwiftPM build products folder), so CLI behaviour is tested through the real binary.
enum ExecutableLocator {
    static func switchboard() throws -> URL {
        var candidates: [URL] = []
        let argv0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = argv0.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent("switchboard"))
            dir = dir.deletingLastPathComponent()
        }
        let root = packageRoot()
        candidates.append(root.appendingPathComponent(".build/debug/switchboard"))
        for url in candidates where FileManager.default.isExecutableFile(atPath: url.path) {
            return url
        }
        throw LocatorError(message: "the switchboard executable was not found next to the tests (looked in \(candidates.map(\.path))); run `swift build --build-tests` first")
    }

    static func packageRoot() -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    struct LocatorError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}

/// Runs a process to completion and captures its output.
struct ProcessResult {
    let status: Int32
    let stdout: String
    let stderr: String

    /// Runs the process on a plain thread: waiting for a child blocks, and blocking one of the (two, on
    /// CI) cooperative threads would starve every other test running in parallel.
    static func run(_ executable: URL, _ arguments: [String], environment: [String: String]) async throws -> ProcessResult {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try runBlocking(executable, arguments, environment: environment) })
            }
        }
    }

    static func runBlocking(_ executable: URL, _ arguments: [String], environment: [String: String]) throws -> ProcessResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }
}
