import Foundation
import SwitchboardCore
import Yams

/// `orgs[].audio` on a `protocol: seed` org: the seed Audio Connector's subscription (filters and sample rate).
extension ConfigReader {
    static let seedAudioKeys = ["filters", "sampleRate"]
    static let seedAudioFilterKeys = ["interactionTypes", "queueIds", "direction"]

    /// The section, or nil after reporting what is wrong with it. Every key is optional: an empty `audio:`
    /// streams voice calls of every watched queue, both directions, at 16 kHz.
    func seedAudio(_ node: Node, path: String) -> SeedAudioConfig? {
        refuseForeignAudioKeys(node, path: path, seed: true)
        guard let f = fields(node, path: path, allowed: Self.seedAudioKeys + Self.audioKeys) else { return nil }
        let before = diagnostics.count
        var config = SeedAudioConfig()
        if let n = f["filters"], let g = fields(n, path: f.path("filters"), allowed: Self.seedAudioFilterKeys) {
            if let n = g["interactionTypes"], let types = interactionTypes(n, path: g.path("interactionTypes")) {
                config.interactionTypes = types
            }
            if let n = g["queueIds"], let queues = selection(n, path: g.path("queueIds"), noun: "queue"),
               case .ids(let ids) = queues {
                config.queueIds = ids
            }
            if let n = g["direction"], let directions = directions(n, path: g.path("direction")) {
                config.directions = directions
            }
        }
        if let n = f["sampleRate"], let rate = int(f, "sampleRate", min: 1, example: "16000") {
            if SeedAudioConfig.sampleRates.contains(rate) {
                config.sampleRate = rate
            } else {
                let rates = SeedAudioConfig.sampleRates.map(String.init).joined(separator: ", ")
                report("value", at: n.mark, "\(f.path("sampleRate")): \(rate) Hz is not a rate the Audio Connector "
                    + "serves; use one of \(rates) (16000 when unsure)")
            }
        }
        return diagnostics.count == before ? config : nil
    }

    /// Keys of the other protocol's `audio:` shape, refused with a message that says which shape this org takes.
    /// (They are then allowed through ``fields(_:path:allowed:)`` so they are not reported twice.)
    func refuseForeignAudioKeys(_ node: Node, path: String, seed: Bool) {
        guard case .mapping(let mapping) = node else { return }
        let foreign = seed ? Self.audioKeys : Self.seedAudioKeys
        for (key, _) in mapping {
            guard case .scalar(let k) = key, foreign.contains(k.string) else { continue }
            if seed {
                report("unknown-key", at: key.mark, "\(path): '\(k.string)' belongs to an AudioHook integration, which "
                    + "'protocol: genesys' orgs use; a 'protocol: seed' org subscribes to the seed Audio Connector "
                    + "instead: its audio: takes filters and sampleRate (docs/audio.md)")
            } else {
                report("unknown-key", at: key.mark, "\(path): '\(k.string)' belongs to the seed Audio Connector, which "
                    + "only 'protocol: seed' orgs use; a 'protocol: genesys' org streams audio through AudioHook: its "
                    + "audio: takes organizationId, apiKey and clientSecret (docs/audio.md)")
            }
        }
    }

    /// A non-empty list holding only `voice`: `chat`, `video` and the like are refused at their line and column.
    private func interactionTypes(_ node: Node, path: String) -> [String]? {
        guard let items = list(node, path: path, example: "[voice]") else { return nil }
        if items.isEmpty {
            report("value", at: node.mark, "\(path): the list is empty, so nothing would be streamed; write [voice]")
            return nil
        }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            let p = "\(path)[\(i)]"
            guard let t = text(item, path: p, expected: "an interaction type", example: "voice") else { continue }
            let value = t.trimmingWhitespace().lowercased()
            guard SeedAudioConfig.interactionTypes.contains(value) else {
                report("value", at: item.mark, "\(p): the Audio Connector streams voice interactions only, not "
                    + "'\(shown(item, t))' (the server would refuse the whole subscription); remove it and write [voice]")
                continue
            }
            if out.contains(value) {
                report("value", at: item.mark, "\(p): '\(value)' is listed twice; keep one")
                continue
            }
            out.append(value)
        }
        return out.count == items.count ? out : nil
    }

    /// A non-empty list of `inbound` / `outbound`, each once.
    private func directions(_ node: Node, path: String) -> [SeedAudioDirection]? {
        guard let items = list(node, path: path, example: "[inbound, outbound]") else { return nil }
        if items.isEmpty {
            report("value", at: node.mark, "\(path): the list is empty, so nothing would be streamed; write [inbound, outbound] "
                + "or leave the key out")
            return nil
        }
        var out: [SeedAudioDirection] = []
        for (i, item) in items.enumerated() {
            let p = "\(path)[\(i)]"
            guard let t = text(item, path: p, expected: "a direction", example: "inbound") else { continue }
            let value = t.trimmingWhitespace().lowercased()
            guard let direction = SeedAudioDirection(rawValue: value) else {
                let guess = DidYouMean.suggest(value, from: SeedAudioDirection.allCases.map(\.rawValue))
                    .map { "did you mean '\($0)'?" } ?? "use inbound or outbound"
                report("value", at: item.mark, "\(p): unknown direction '\(shown(item, t))'; \(guess)")
                continue
            }
            if out.contains(direction) {
                report("value", at: item.mark, "\(p): '\(value)' is listed twice; keep one")
                continue
            }
            out.append(direction)
        }
        return out.count == items.count ? out : nil
    }
}
