import Connector
import Foundation
import SwitchboardConfig
import Testing

/// A Kubernetes ConfigMap or Secret mounted as a directory (not `subPath`) is a tree of symlinks:
/// `orgs.yaml → ..data/orgs.yaml`, `..data → ..2026_12_05_16_00_00.000000001/`. An update writes a new
/// timestamped directory, points a temporary `..data_tmp` symlink at it, renames that over `..data` (the
/// atomic step) and deletes the old directory. The file the bridge was told to watch never changes itself;
/// only what it resolves to does.
struct KubernetesVolume {
    let root: URL
    private var generation = 0

    init(root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    /// Publishes `files` as the kubelet does; the first call also makes the per-key symlinks.
    mutating func publish(_ files: [String: String]) throws {
        let fm = FileManager.default
        generation += 1
        let name = String(format: "..2026_12_05_16_00_00.%09d", generation)
        let dir = root.appendingPathComponent(name)
        try fm.createDirectory(at: dir, withIntermediateDirectories: false)
        for (key, text) in files { try text.write(to: dir.appendingPathComponent(key), atomically: false, encoding: .utf8) }
        let data = root.appendingPathComponent("..data").path
        let old = try? fm.destinationOfSymbolicLink(atPath: data)
        let tmp = root.appendingPathComponent("..data_tmp").path
        try fm.createSymbolicLink(atPath: tmp, withDestinationPath: name)
        guard rename(tmp, data) == 0 else { throw CocoaError(.fileWriteUnknown) }
        for key in files.keys where !fm.fileExists(atPath: root.appendingPathComponent(key).path) {
            try fm.createSymbolicLink(atPath: root.appendingPathComponent(key).path, withDestinationPath: "..data/\(key)")
        }
        if let old { try fm.removeItem(at: root.appendingPathComponent(old)) }
    }
}

extension SupervisorTests {
    @Test func aConfigMapAndASecretUpdatedByAtomicSymlinkSwapAreReloaded() async throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = try KubernetesVolume(root: dir.appendingPathComponent("config"))
        var secrets = try KubernetesVolume(root: dir.appendingPathComponent("secrets"))
        try secrets.publish(["a": "first\n"])
        let secretFile = dir.appendingPathComponent("secrets/a").path
        func yaml(_ orgs: [(id: String, tz: String)]) -> String {
            Self.yaml(orgs).replacingOccurrences(of: "clientSecret: ${SECRET}", with: "clientSecretFile: \(secretFile)")
        }
        try config.publish(["orgs.yaml": yaml([("a", "UTC")])])
        let path = dir.appendingPathComponent("config/orgs.yaml").path
        try await Self.supervise(path, env: [:]) { supervisor, observer in
            #expect(Set(supervisor.connectorStates().keys) == ["a"])

            // `kubectl apply` of an edited ConfigMap: the kubelet swaps ..data.
            try config.publish(["orgs.yaml": yaml([("a", "UTC"), ("b", "UTC")])])
            #expect(await eventually("org b added through the ConfigMap swap") { await observer.applied.count == 2 })
            #expect(await observer.applied.last??.addedOrgs == ["b"])
            #expect(Set(supervisor.connectorStates().keys) == ["a", "b"])

            // A rotated Secret: same swap in the Secret's volume; the YAML is unchanged.
            try secrets.publish(["a": "second\n"])
            #expect(await eventually("rotated secret applied") { await observer.applied.count == 3 })
            #expect(supervisor.currentConfiguration()?.org("a")?.clientSecret.reveal() == "second")
        }
    }
}
