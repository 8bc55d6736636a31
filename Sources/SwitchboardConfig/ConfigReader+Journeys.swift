import Journeys
import SwitchboardCore
import Yams

/// `journeys:` (deployment: the salt) and `orgs[].journeys` (docs/journeys.md, "Configuration").
extension ConfigReader {
    static let journeysKeys = ["salt", "saltFile"]
    static let orgJourneysKeys = [
        "identity", "defaultCountry", "sessionTimeout", "idleGrace", "reorderWindow", "retention", "maxClosed",
        "showCustomer", "eventBridge", "eventStream",
    ]
    static let eventStreamKeys = ["maxEventsPerSecond"]
    static let eventBridgeKeys = ["apiKey", "apiKeyFile"]

    /// The deployment-wide section.
    func journeys(_ node: Node) -> JourneysConfig {
        var c = JourneysConfig()
        guard let f = fields(node, path: "journeys", allowed: Self.journeysKeys) else { return c }
        let (salt, present) = secret(f, "salt", suggestedVariable: "SWITCHBOARD_JOURNEY_SALT",
                                     fileExample: "/run/secrets/journey-salt", required: false)
        guard present, let salt else { return c }
        let minimum = CustomerKeyRedactor.minimumSaltLength
        // Empty: left unchecked by --no-env.
        if !salt.isEmpty && salt.reveal().count < minimum {
            report("value", at: f["salt"]?.mark ?? f["saltFile"]?.mark,
                   "\(f.path(f.has("salt") ? "salt" : "saltFile")): the salt has fewer than \(minimum) characters, so "
                    + "hashed customer keys could be guessed; use a long random value (e.g. openssl rand -hex 32), the "
                    + "same on every replica")
            return c
        }
        c.salt = salt
        return c
    }

    /// An org's section, or nil after reporting what is wrong with it. Every key is optional.
    func orgJourneys(_ node: Node, path: String, org: OrgID, protocol proto: UpstreamProtocol = .genesys) -> OrgJourneysConfig? {
        guard let f = fields(node, path: path, allowed: Self.orgJourneysKeys) else { return nil }
        let before = diagnostics.count
        var c = OrgJourneysConfig()
        if let n = f["identity"], let v = identitySources(n, path: f.path("identity")) { c.identity = v }
        if let n = f["defaultCountry"], let v = country(n, path: f.path("defaultCountry")) { c.defaultCountry = v }
        func bounded(_ key: String, example: String, min: Duration, max: Duration, what: String) -> Duration? {
            guard let d = duration(f, key, example: example) else { return nil }
            guard d >= min, d <= max else {
                let low = min == .zero ? "" : "more than 0s and "
                report("range", at: f[key]?.mark, "\(f.path(key)): \(ConfigDuration.format(d)) is out of range; "
                    + "\(what) must be \(low)at most \(ConfigDuration.format(max))")
                return nil
            }
            return d
        }
        let positive = Duration.milliseconds(1)
        if let v = bounded("sessionTimeout", example: "5m", min: positive, max: OrgJourneysConfig.maxSessionTimeout,
                           what: "the session timeout") {
            c.sessionTimeout = v
        }
        if let v = bounded("idleGrace", example: "5m", min: .zero, max: OrgJourneysConfig.maxIdleGrace,
                           what: "the idle grace") {
            c.idleGrace = v
        }
        if let v = bounded("reorderWindow", example: "100ms", min: .zero, max: OrgJourneysConfig.maxReorderWindow,
                           what: "the reorder window (every update waits this long)") {
            c.reorderWindow = v
        }
        if let v = bounded("retention", example: "30d", min: positive, max: OrgJourneysConfig.maxRetention,
                           what: "the retention of closed journeys") {
            c.retention = v
        }
        if let v = int(f, "maxClosed", min: 1, max: OrgJourneysConfig.maxMaxClosed, example: "50000") { c.maxClosed = v }
        if let v = choice(f, "showCustomer", among: CustomerKeyRedactor.Mode.allCases.map(\.rawValue))
            .flatMap(CustomerKeyRedactor.Mode.init(rawValue:)) {
            c.showCustomer = v
        }
        if let n = f["eventBridge"] {
            c.eventBridge = eventBridge(n, path: f.path("eventBridge"), org: org)
        }
        if let n = f["eventStream"] {
            if proto == .seed {
                c.eventStream = eventStream(n, path: f.path("eventStream"))
            } else {
                report("value", at: n.mark, "\(f.path("eventStream")): the Genesys Cloud platform has no event stream "
                    + "(/api/v2/eventstreams is the seed documents' invention); remove it, or set `protocol: seed` for "
                    + "an org that speaks the seed's shapes. Journeys of this org come from its queue conversation "
                    + "topics and EventBridge")
            }
        }
        return diagnostics.count == before ? c : nil
    }

    /// `eventStream: {maxEventsPerSecond: 50}` (`protocol: seed` orgs).
    private func eventStream(_ node: Node, path: String) -> EventStreamConfig? {
        guard let f = fields(node, path: path, allowed: Self.eventStreamKeys) else { return nil }
        var c = EventStreamConfig()
        if let v = int(f, "maxEventsPerSecond", min: 1, max: EventStreamConfig.maxMaxEventsPerSecond, example: "50") {
            c.maxEventsPerSecond = v
        }
        return c
    }

    /// A non-empty list of identity sources, each once.
    private func identitySources(_ node: Node, path: String) -> [CustomerKeyPolicy.Source]? {
        let names = CustomerKeyPolicy.Source.allCases.map(\.rawValue)
        let example = "[" + names.joined(separator: ", ") + "]"
        guard let items = list(node, path: path, example: example) else { return nil }
        guard !items.isEmpty else {
            report("value", at: node.mark, "\(path): the list is empty, so no customer could be recognised; list the "
                + "sources in order of trust, e.g. \(example)")
            return nil
        }
        var out: [CustomerKeyPolicy.Source] = []
        var ok = true
        for (i, item) in items.enumerated() {
            let p = "\(path)[\(i)]"
            guard let t = text(item, path: p, expected: "an identity source", example: names[0]) else {
                ok = false
                continue
            }
            let value = t.trimmingWhitespace()
            guard let source = CustomerKeyPolicy.Source(rawValue: value) else {
                let hint = DidYouMean.suggest(value, from: names).map { "did you mean '\($0)'?" }
                    ?? "use \(names.joined(separator: ", "))"
                report("value", at: item.mark, "\(p): unknown identity source '\(shown(item, value))'; \(hint)")
                ok = false
                continue
            }
            guard !out.contains(source) else {
                report("value", at: item.mark, "\(p): '\(value)' is listed twice; keep one")
                ok = false
                continue
            }
            out.append(source)
        }
        return ok ? out : nil
    }

    /// A country whose numbering plan the journeys know (ISO 3166 alpha-2, upper-cased).
    private func country(_ node: Node, path: String) -> String? {
        guard let t = text(node, path: path, expected: "a country code", example: "US") else { return nil }
        let value = t.trimmingWhitespace().uppercased()
        let known = PhoneNumberNormalizer.knownCountries
        guard known.contains(value) else {
            let hint = value == "UK" ? "did you mean 'GB' (the ISO code of the United Kingdom)?"
                : "use the ISO 3166 two-letter code of one of \(known.joined(separator: ", "))"
            report("value", at: node.mark, "\(path): unknown country '\(shown(node, t))' (its national phone numbers "
                + "could not be read); \(hint)")
            return nil
        }
        return value
    }

    /// `eventBridge: {apiKey: ${VAR}}` (or `apiKeyFile`): required, at least 16 characters.
    private func eventBridge(_ node: Node, path: String, org: OrgID) -> EventBridgeConfig? {
        guard let f = fields(node, path: path, allowed: Self.eventBridgeKeys) else { return nil }
        let variable = "GENESYS_\(org.rawValue.uppercased().replacingOccurrences(of: "-", with: "_"))_EVENTBRIDGE_KEY"
        let (key, _) = secret(f, "apiKey", suggestedVariable: variable, fileExample: "/run/secrets/eventbridge-\(org)",
                              required: true)
        guard let key else { return nil }
        let minimum = EventBridgeConfig.minimumKeyLength
        if !key.isEmpty && key.reveal().count < minimum {
            report("value", at: f["apiKey"]?.mark ?? f["apiKeyFile"]?.mark,
                   "\(f.path(f.has("apiKey") ? "apiKey" : "apiKeyFile")): the key has fewer than \(minimum) characters, "
                    + "so it could be guessed; use a long random value (e.g. openssl rand -hex 32) and give the same to "
                    + "the EventBridge connection's API key")
            return nil
        }
        return EventBridgeConfig(apiKey: key)
    }
}
