import Foundation

/// Spoken test audio for the spotter's tests and the bench's corpus: text rendered by espeak-ng, then
/// made telephone-like by sox (8 kHz, 300–3400 Hz band, through μ-law and back, as PCMU carries it), with
/// the leading and trailing silence trimmed. Needs the `espeak-ng` and `sox` programs (Debian packages of
/// the same names; `make test-deps` installs them). Not for production use: it runs two child processes
/// per sentence.
public enum SyntheticSpeech {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The programs, when both are on the PATH.
    public static var tools: (espeak: String, sox: String)? {
        guard let espeak = which("espeak-ng"), let sox = which("sox") else { return nil }
        return (espeak, sox)
    }

    public static var isAvailable: Bool { tools != nil }

    /// `text` spoken by espeak-ng `voice` (e.g. `en-us`, `en-us+f2`, `en-us+klatt`) at `wordsPerMinute`, as
    /// 8 kHz 16-bit telephone-band PCM, silence trimmed.
    public static func render(_ text: String, voice: String = "en-us", wordsPerMinute: Int = 150) throws -> [Int16] {
        guard let tools else {
            throw Failure(description: "espeak-ng or sox is missing; install them (make test-deps)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-speech-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let wav = dir.appendingPathComponent("speech.wav").path
        let ulaw = dir.appendingPathComponent("speech.ul").path
        try run(tools.espeak, ["-v", voice, "-s", "\(wordsPerMinute)", "-w", wav, text])
        try run(tools.sox, [wav, "-t", "raw", "-r", "8000", "-c", "1", "-e", "u-law", ulaw, "sinc", "300-3400"])
        guard let bytes = FileManager.default.contents(atPath: ulaw) else {
            throw Failure(description: "sox wrote no audio for \"\(text)\"")
        }
        return trimSilence(bytes.map(decodeMuLaw))
    }

    /// Low-level noise (about −50 dBFS by default), so that pauses are not digital silence.
    public static func noise(ms: Int, amplitude: Double = 100, generator: inout some RandomNumberGenerator) -> [Int16] {
        (0..<(ms * 8)).map { _ in Int16(Double.random(in: -amplitude...amplitude, using: &generator)) }
    }

    /// G.711 μ-law to linear PCM.
    static func decodeMuLaw(_ byte: UInt8) -> Int16 {
        let u = ~byte
        let sign = u & 0x80, exponent = Int((u >> 4) & 0x07), mantissa = Int(u & 0x0F)
        let magnitude = ((mantissa << 3) + 0x84) << exponent
        return Int16(sign != 0 ? 0x84 - magnitude : magnitude - 0x84)
    }

    /// The samples from the first to the last above a small level.
    static func trimSilence(_ samples: [Int16], level: Int16 = 300) -> [Int16] {
        guard let first = samples.firstIndex(where: { abs(Int($0)) > level }),
              let last = samples.lastIndex(where: { abs(Int($0)) > level }) else { return [] }
        return Array(samples[first...last])
    }

    private static func which(_ program: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
    }
}
