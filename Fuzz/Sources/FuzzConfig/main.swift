import FuzzDriver
import SwitchboardConfig
import SwitchboardCore

// The orgs YAML loader (SwitchboardConfig): any text gives a configuration or a ConfigError whose
// diagnostics are non-empty and point into the file. `${NAME}` references resolve from a fixed stub
// environment; the file names a directory that does not exist, so relative `…File` paths find nothing.
let environment = ["SECRET": "s3cr3t-value-long-enough-for-hs256-0123456789", "CLIENT_SECRET": "x", "EMPTY": "",
                   "TOKEN": "t0ken-0123456789abcdef", "AUDIO_SECRET": "c2VjcmV0", "PORT": "8080"]

runFuzzer { bytes in
    guard let yaml = String(validating: bytes, as: UTF8.self) else { return }
    // The loader reads the files the YAML names (keys, secret files): keep the fuzzer away from device
    // and kernel files that never end (/dev/zero, /dev/stdin).
    if yaml.contains("dev/") || yaml.contains("proc/") || yaml.contains("sys/") || yaml.contains("fd/") { return }
    do throws(ConfigError) {
        _ = try ConfigLoader.load(yaml: yaml, file: "/nonexistent-fuzz/orgs.yaml", environment: environment)
    } catch {
        if error.diagnostics.isEmpty { fuzzFailure("a ConfigError without diagnostics") }
        for d in error.diagnostics where d.line < 1 || d.column < 1 || d.code.isEmpty {
            fuzzFailure("diagnostic out of the file: \(d)")
        }
    }
}
