import Foundation
import SwitchboardCore
import Yams

extension ConfigReader {
    static let orgKeys = [
        "id", "name", "region", "apiBase", "loginBase", "clientId", "clientSecret", "clientSecretFile", "timezone",
        "queues", "users",
        "protocol", "tunables", "thresholds", "audio", "speechText", "journeys",
    ]
    static let tunableKeys = [
        "heartbeatTimeout", "pingAfterQuiet", "pingTimeout", "backoffInitial", "backoffMax", "backoffJitter", "backoffResetAfter",
        "tokenRefreshMargin", "channelRolloverBefore", "requestTimeout", "utilizationPollInterval",
        "qualityPollInterval", "qualityMinEvaluations", "qualityPassScore", "utilizationMediaTypes",
        "queueServicePollInterval",
    ]
    static var mediaTypes: [String] { OrgTunables.knownMediaTypes }

    func orgs(_ node: Node) -> [OrgConfig] {
        guard let items = list(node, path: "orgs", example: "a list of '- id: …' entries") else { return [] }
        if items.isEmpty {
            report("value", at: node.mark, "orgs: the list is empty; add at least one org")
        }
        var result: [OrgConfig] = []
        var firstLine: [OrgID: Int] = [:]
        var audioOrganizationOwner: [String: (org: OrgID, line: Int)] = [:]
        for (i, item) in items.enumerated() {
            guard let f = fields(item, path: "orgs[\(i)]", allowed: Self.orgKeys) else { continue }
            let before = diagnostics.count
            let id = require(f, "id", example: "us").flatMap { orgID($0, path: f.path("id")) }
            if let id, let idNode = f["id"] {
                if let line = firstLine[id] {
                    report("duplicate-org", at: idNode.mark,
                           "\(f.path("id")): duplicate org id '\(id)' (first at line \(line)); give each org a unique id")
                } else {
                    firstLine[id] = idNode.mark?.line ?? 0
                    declaredOrgIDs.append(id)
                }
            }
            if let id, let node = f["thresholds"], orgThresholds[id] == nil {
                orgThresholds[id] = thresholdLevel(node, path: f.path("thresholds"), allowQueues: true)
            }
            let org = self.org(f, id: id ?? OrgID("org\(i)"))
            if let organizationId = org?.audio?.organizationId, case .mapping(let audio)? = f["audio"],
               let node = audio["organizationId"] {
                // Sessions are routed by this id: two orgs cannot share it.
                if let owner = audioOrganizationOwner[organizationId] {
                    report("duplicate", at: node.mark, "\(f.path("audio")).organizationId: '\(organizationId)' is already the "
                        + "organization of org '\(owner.org)' (line \(owner.line)); each Genesys organization streams to one org")
                } else if let org {
                    audioOrganizationOwner[organizationId] = (org.id, node.mark?.line ?? 0)
                }
            }
            if diagnostics.count == before, let org { result.append(org) }
        }
        return result
    }

    /// Lower-case letters, digits and `-`, starting with a letter or digit: it names topic `org:<id>`.
    func orgID(_ node: Node, path: String) -> OrgID? {
        guard let t = text(node, path: path, expected: "an org id", example: "us") else { return nil }
        let value = t.trimmingWhitespace()
        let valid = !value.isEmpty && value.count <= 63 && value.first != "-"
            && value.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        guard valid else {
            let fixed = String(value.lowercased().unicodeScalars.map {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) ? Character($0) : "-"
            })
            let hint = fixed.isEmpty || fixed.first == "-" ? "e.g. 'us'" : "e.g. '\(fixed)'"
            report("value", at: node.mark, "\(path): org id '\(shown(node, value))' must be 1–63 lower-case letters, digits and '-' "
                + "(it names the topic org:<id>); write \(hint)")
            return nil
        }
        return OrgID(value)
    }

    private func org(_ f: Fields, id: OrgID) -> OrgConfig? {
        let name = string(f, "name", example: id.rawValue.uppercased()) ?? id.rawValue.uppercased()
        let endpoints = self.endpoints(f)
        let clientId = require(f, "clientId", example: "<OAuth client id>").flatMap {
            nonEmptyString($0, path: f.path("clientId"), example: "<OAuth client id>")
        }
        let variable = "GENESYS_\(id.rawValue.uppercased().replacingOccurrences(of: "-", with: "_"))_CLIENT_SECRET"
        let secret = self.secret(f, "clientSecret", suggestedVariable: variable, fileExample: "/run/secrets/genesys-\(id)",
                                 required: true).secret
        let zone = require(f, "timezone", example: "America/New_York").flatMap { timeZone($0, path: f.path("timezone")) }
        let queues = f["queues"].flatMap { selection($0, path: f.path("queues"), noun: "queue") } ?? .all
        let users = f["users"].flatMap { selection($0, path: f.path("users"), noun: "user") } ?? .all
        let proto = choice(f, "protocol", among: ["genesys", "seed"]).flatMap(UpstreamProtocol.init(rawValue:)) ?? .genesys
        let tunables = f["tunables"].map { self.tunables($0, path: f.path("tunables")) } ?? OrgTunables()
        // `audio:` takes the AudioHook shape on genesys orgs and the seed Audio Connector's on seed orgs.
        let audio = proto == .genesys ? f["audio"].map { self.audio($0, path: f.path("audio"), org: id) } : nil
        let seedAudio = proto == .seed ? f["audio"].map { self.seedAudio($0, path: f.path("audio")) } : nil
        let speechText = f["speechText"].map {
            self.speechText($0, path: f.path("speechText"), hasAudio: f.has("audio"),
                            seedSampleRate: (seedAudio ?? nil)?.sampleRate)
        }
        let journeys = f["journeys"].map { self.orgJourneys($0, path: f.path("journeys"), org: id, protocol: proto) }
        guard let endpoints, let clientId, let secret, let zone else { return nil }
        if case .some(nil) = audio { return nil }  // `audio:` written, with problems (reported)
        if case .some(nil) = seedAudio { return nil }
        if case .some(nil) = speechText { return nil }
        if case .some(nil) = journeys { return nil }
        return OrgConfig(id: id, name: name, region: endpoints.region, apiBase: endpoints.api, loginBase: endpoints.login,
                         clientId: clientId, clientSecret: secret, timezone: zone, queues: queues, users: users,
                         upstreamProtocol: proto, tunables: tunables, audio: audio ?? nil,
                         seedAudio: seedAudio ?? nil, speechText: speechText ?? nil, journeys: journeys ?? nil)
    }

    /// `region`, or `apiBase` + `loginBase`.
    private func endpoints(_ f: Fields) -> (region: String?, api: String, login: String)? {
        if f.has("region") {
            if f.has("apiBase") || f.has("loginBase") {
                report("value", at: f.keyMark("apiBase") ?? f.keyMark("loginBase"),
                       "\(f.label): both 'region' and apiBase/loginBase are given; keep one")
                return nil
            }
            guard let node = f["region"],
                  let t = text(node, path: f.path("region"), expected: "a region", example: "mypurecloud.com")
            else { return nil }
            guard let domain = GenesysRegions.domain(forRegion: t) else {
                let value = t.trimmingWhitespace()
                let guess = DidYouMean.suggest(value, from: GenesysRegions.domains + GenesysRegions.orderedSDKKeys)
                let hint = guess.map { "did you mean '\($0)'?" } ?? "use a Genesys domain such as mypurecloud.com, "
                    + "mypurecloud.de, mypurecloud.jp or an SDK key such as us_east_1 (see docs/configuration.md)"
                report("region", at: node.mark, "\(f.path("region")): unknown region '\(shown(node, value))'; \(hint)")
                return nil
            }
            return (domain, GenesysRegions.apiBase(domain: domain), GenesysRegions.loginBase(domain: domain))
        }
        if !f.has("apiBase") && !f.has("loginBase") {
            guard !f.hasOrSuggests("region") && !f.hasOrSuggests("apiBase") && !f.hasOrSuggests("loginBase") else {
                return nil
            }
            report("missing-key", at: f.mark,
                   "\(f.label): missing required key 'region'; add 'region: mypurecloud.com' (or apiBase and loginBase)")
            return nil
        }
        let api = f.has("apiBase") ? url(f, "apiBase", example: "https://api.mypurecloud.com")
            : require(f, "apiBase", example: "https://api.mypurecloud.com").flatMap { _ in nil }
        let login = f.has("loginBase") ? url(f, "loginBase", example: "https://login.mypurecloud.com")
            : require(f, "loginBase", example: "https://login.mypurecloud.com").flatMap { _ in nil }
        guard let api, let login else { return nil }
        return (nil, api, login)
    }

    /// An IANA time zone; suggests the closest known identifier.
    func timeZone(_ node: Node, path: String) -> TimeZone? {
        guard let t = text(node, path: path, expected: "an IANA time zone", example: "Europe/Berlin") else { return nil }
        let value = t.trimmingWhitespace()
        if value.contains("/") || value == "UTC" || value == "GMT", let zone = TimeZone(identifier: value) { return zone }
        let guess = DidYouMean.suggest(value, from: TimeZone.knownTimeZoneIdentifiers).map { "did you mean '\($0)'?" }
        report("timezone", at: node.mark, "\(path): unknown time zone '\(shown(node, value))'; "
            + (guess ?? "use an IANA name such as America/New_York, Europe/Berlin or Asia/Tokyo"))
        return nil
    }

    /// `all` or a list of platform ids (UUIDs: the platform answers an analytics query naming anything else
    /// with a 422, and a topic for it is never delivered).
    func selection(_ node: Node, path: String, noun: String) -> Selection? {
        if case .scalar = node, let t = text(node, path: path, expected: "'all' or a list of ids", example: "all") {
            guard t.trimmingWhitespace() == "all" else {
                report("value", at: node.mark, "\(path): unknown value '\(shown(node, t))'; write 'all' or a list of ids")
                return nil
            }
            return .all
        }
        guard case .sequence = node else {
            typeMismatch(node, path: path, expected: "'all' or a list of ids", hint: "write all or [<id>, <id>]")
            return nil
        }
        guard let items = list(node, path: path, example: "[<id>, <id>]") else { return nil }
        if items.isEmpty {
            report("value", at: node.mark, "\(path): the list is empty, so nothing would be watched; write 'all' or list ids")
            return nil
        }
        var ids: [String] = []
        var firstLine: [String: Int] = [:]
        for (i, item) in items.enumerated() {
            let p = "\(path)[\(i)]"
            guard let id = nonEmptyString(item, path: p, example: Self.exampleUUID) else { continue }
            guard Self.isUUID(id) else {
                report("value", at: item.mark, "\(p): '\(shown(item, id))' is not a \(noun) id; \(noun) ids are UUIDs "
                    + "such as \(Self.exampleUUID) — copy it from the \(noun)'s page in Genesys Cloud admin or the API")
                continue
            }
            let lower = id.lowercased()
            if let line = firstLine[lower] {
                report("duplicate", at: item.mark, "\(p): '\(id)' is listed twice (first at line \(line)); keep one")
                continue
            }
            firstLine[lower] = item.mark?.line ?? 0
            ids.append(lower)
        }
        return ids.count == items.count ? .ids(ids) : nil
    }

    static let exampleUUID = "3f6f0c2e-9d1b-4c8e-a7a5-2b6f1e0d9c41"

    /// 8-4-4-4-12 hexadecimal digits.
    static func isUUID(_ s: String) -> Bool {
        let groups = s.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return false }
        return groups.allSatisfy { $0.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit } }
    }

    func tunables(_ node: Node, path: String) -> OrgTunables {
        var t = OrgTunables()
        guard let f = fields(node, path: path, allowed: Self.tunableKeys) else { return t }
        if let v = duration(f, "heartbeatTimeout", example: "65s") { t.heartbeatTimeout = v }
        if let v = duration(f, "pingAfterQuiet", example: "8s") { t.pingAfterQuiet = v }
        if let v = duration(f, "pingTimeout", example: "3s") { t.pingTimeout = v }
        if let v = duration(f, "backoffInitial", example: "1s") { t.backoffInitial = v }
        if let v = duration(f, "backoffMax", example: "60s") { t.backoffMax = v }
        if let v = double(f, "backoffJitter", range: 0...1, rangeText: "from 0 to 1 (0.1 means ±10 %)", example: "0.1") {
            t.backoffJitter = v
        }
        if let v = duration(f, "backoffResetAfter", example: "60s") { t.backoffResetAfter = v }
        if let v = duration(f, "tokenRefreshMargin", example: "5m") { t.tokenRefreshMargin = v }
        if let v = duration(f, "channelRolloverBefore", example: "1h") { t.channelRolloverBefore = v }
        if let v = duration(f, "requestTimeout", example: "15s") { t.requestTimeout = v }
        if let v = duration(f, "utilizationPollInterval", example: "5m") { t.utilizationPollInterval = v }
        if let v = duration(f, "qualityPollInterval", example: "15m") { t.qualityPollInterval = v }
        if let v = duration(f, "queueServicePollInterval", example: "1m") { t.queueServicePollInterval = v }
        if let v = int(f, "qualityMinEvaluations", min: 1, example: "3") { t.qualityMinEvaluations = v }
        if let v = double(f, "qualityPassScore", range: 0...100, rangeText: "from 0 to 100 (a total score in percent)",
                          example: "80") {
            t.qualityPassScore = v
        }
        if let node = f["utilizationMediaTypes"] { t.utilizationMediaTypes = mediaTypes(node, path: f.path("utilizationMediaTypes")) }
        if t.backoffInitial > t.backoffMax {
            report("range", at: f["backoffInitial"]?.mark ?? f["backoffMax"]?.mark,
                   "\(path).backoffInitial: \(ConfigDuration.format(t.backoffInitial)) is longer than backoffMax "
                   + "\(ConfigDuration.format(t.backoffMax)); make backoffInitial ≤ backoffMax")
        }
        if t.pingAfterQuiet >= t.heartbeatTimeout {
            report("range", at: f["pingAfterQuiet"]?.mark ?? f["heartbeatTimeout"]?.mark,
                   "\(path).pingAfterQuiet: \(ConfigDuration.format(t.pingAfterQuiet)) is not shorter than heartbeatTimeout "
                   + "\(ConfigDuration.format(t.heartbeatTimeout)); ping before the watchdog fires")
        }
        return t
    }

    /// `all` (nil: every media type) or a non-empty list of analytics media types, each once.
    func mediaTypes(_ node: Node, path: String) -> [String]? {
        let known = Self.mediaTypes.joined(separator: ", ")
        if case .scalar = node {
            guard let t = text(node, path: path, expected: "'all' or a list of media types", example: "[voice]") else { return nil }
            if t.trimmingWhitespace() != "all" {
                report("value", at: node.mark, "\(path): unknown value '\(shown(node, t))'; write 'all' or a list such as [voice, callback]")
            }
            return nil
        }
        guard let items = list(node, path: path, example: "[voice] or all") else { return nil }
        if items.isEmpty {
            report("value", at: node.mark, "\(path): the list is empty, so nothing would be counted; write 'all' or list media types")
            return nil
        }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            let p = "\(path)[\(i)]"
            guard let t = text(item, path: p, expected: "a media type", example: "voice") else { continue }
            let value = t.trimmingWhitespace().lowercased()
            guard Self.mediaTypes.contains(value) else {
                let guess = DidYouMean.suggest(value, from: Self.mediaTypes).map { "did you mean '\($0)'?" }
                report("value", at: item.mark, "\(p): unknown media type '\(shown(item, t))'; " + (guess ?? "use one of \(known)"))
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
}
