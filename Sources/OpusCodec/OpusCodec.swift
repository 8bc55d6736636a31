import COpus

/// A small safe wrapper over libopus (docs/audio.md, "The seed Audio Connector"): a decoder per
/// interaction, libopus error codes as typed errors, packet durations read from the packet itself.
///
/// Why hand-written: no maintained Swift package for libopus is available to this project (only the
/// package versions installed on the build machine resolve, and none wraps libopus), while the C
/// library itself is a Debian package (`libopus-dev`, the `COpus` system-library target). The API
/// libopus offers is small and stable, so a thin wrapper that owns the C state, checks every status
/// and never lets a C pointer escape is less risk than a dependency. The few ctl requests used are
/// variadic C macros Swift cannot import; `Sources/COpus/shim.h` wraps them as `static inline`
/// functions.
public enum OpusCodec {
    /// The libopus version string, e.g. `libopus 1.3.1`.
    public static var version: String { String(cString: opus_get_version_string()) }

    /// The sample rates libopus encodes and decodes at.
    public static let sampleRates: Set<Int> = [8000, 12000, 16000, 24000, 48000]

    /// The longest packet Opus allows: 120 ms.
    public static func maxPacketSamples(sampleRate: Int) -> Int { sampleRate * 120 / 1000 }

    /// Whether `samples` per channel is a frame duration `opus_encode` accepts at `sampleRate`:
    /// 2.5, 5, 10, 20, 40, 60, 80, 100 or 120 ms.
    public static func isLegalFrame(samples: Int, sampleRate: Int) -> Bool {
        guard sampleRates.contains(sampleRate), samples > 0 else { return false }
        let unit = sampleRate / 400  // 2.5 ms
        guard samples % unit == 0 else { return false }
        return [1, 2, 4, 8, 16, 24, 32, 40, 48].contains(samples / unit)
    }
}
