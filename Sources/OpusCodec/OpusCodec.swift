import COpus

/// A small safe wrapper over libopus (docs/audio.md, "The seed Audio Connector"): a decoder per
/// interaction, libopus error codes as typed errors, packet durations read from the packet itself.
public enum OpusCodec {
    /// The libopus version string, e.g. `libopus 1.3.1`.
    public static var version: String { String(cString: opus_get_version_string()) }
}
