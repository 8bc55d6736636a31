import SwitchboardCore

/// What changed between two configurations, for hot reload: which connectors to start, stop or
/// restart, and which shared sections to re-apply.
public struct ConfigDiff: Sendable, Equatable {
    /// Org ids in the new configuration only, in the new file's order.
    public var addedOrgs: [OrgID]
    /// Org ids in the old configuration only, in the old file's order.
    public var removedOrgs: [OrgID]
    /// Org ids in both whose ``OrgConfig`` differs in any field but ``OrgConfig/seedAudio`` and
    /// ``OrgConfig/speechText``, or whose ``OrgConfig/seedAudio`` appeared or disappeared (the Audio Connector client
    /// starts or stops with the connector), in the new file's order: their connectors restart.
    public var changedOrgs: [OrgID]
    /// Org ids in both whose ``OrgConfig`` differs only in ``OrgConfig/seedAudio``, present before and after (a
    /// `protocol: seed` org's `audio:` filters or sample rate; it may also differ in ``OrgConfig/speechText``):
    /// applied live to the org's Audio Connector subscriptions (subscribe the new, then unsubscribe the old),
    /// restarting nothing. An org in ``changedOrgs`` is never also here.
    public var seedAudioChangedOrgs: [OrgID]
    /// Org ids in both whose ``OrgConfig`` differs only in ``OrgConfig/speechText`` (keywords, word sources,
    /// hot-call rules; it may also differ in ``OrgConfig/seedAudio``): applied live to the org's speech-text views
    /// and transcription subscriptions, restarting nothing. An org in ``changedOrgs`` is never also here.
    public var speechTextChangedOrgs: [OrgID]
    /// Org ids in both whose ``OrgConfig`` differs only in ``OrgConfig/journeys`` (identity rules, timers,
    /// retention, `showCustomer`, the EventBridge key; it may also differ in the other live sections), present
    /// before and after: applied live to the org's journeys, restarting nothing. Adding or removing the section
    /// restarts the org's connector instead (its queue conversation topics come or go): such an org is in
    /// ``changedOrgs``, never here.
    public var journeysChangedOrgs: [OrgID]
    /// The deployment-wide `journeys:` (the salt) changed: applied live (hashed keys change).
    public var journeysChanged: Bool
    public var serverChanged: Bool
    /// `auth:` or `clients:` changed.
    public var authChanged: Bool
    public var occupancyChanged: Bool
    /// `thresholds:` changed anywhere (top level, an org, a queue entry): re-judge the wall, restart nothing.
    public var thresholdsChanged: Bool
    /// `store:` changed: takes effect only after a restart.
    public var storeChanged: Bool
    /// `speech:` changed: re-applied to the speech views, restarts nothing.
    public var speechChanged: Bool
    /// `cluster:` changed (added, removed or any field): takes effect only after a restart.
    public var clusterChanged: Bool

    public init(old: SwitchboardConfiguration, new: SwitchboardConfiguration) {
        let oldByID = Dictionary(old.orgs.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let newIDs = Set(new.orgs.map(\.id))
        addedOrgs = new.orgs.map(\.id).filter { oldByID[$0] == nil }
        removedOrgs = old.orgs.map(\.id).filter { !newIDs.contains($0) }
        changedOrgs = new.orgs.filter { org in
            oldByID[org.id].map { old in
                if (old.seedAudio == nil) != (org.seedAudio == nil) { return true }
                if (old.journeys == nil) != (org.journeys == nil) { return true }
                // The seed event stream's subscription is made at connect: a new rate restarts the connector.
                if old.journeys?.eventStream != org.journeys?.eventStream { return true }
                var old = old
                old.seedAudio = org.seedAudio
                old.speechText = org.speechText
                old.journeys = org.journeys
                return old != org
            } ?? false
        }.map(\.id)
        let restarted = Set(changedOrgs)
        seedAudioChangedOrgs = new.orgs.filter { org in
            !restarted.contains(org.id) && (oldByID[org.id].map { $0.seedAudio != org.seedAudio } ?? false)
        }.map(\.id)
        speechTextChangedOrgs = new.orgs.filter { org in
            !restarted.contains(org.id) && (oldByID[org.id].map { $0.speechText != org.speechText } ?? false)
        }.map(\.id)
        journeysChangedOrgs = new.orgs.filter { org in
            !restarted.contains(org.id) && (oldByID[org.id].map { $0.journeys != org.journeys } ?? false)
        }.map(\.id)
        journeysChanged = old.journeys != new.journeys
        serverChanged = old.server != new.server
        authChanged = old.auth != new.auth
        occupancyChanged = old.occupancy != new.occupancy
        thresholdsChanged = old.thresholds != new.thresholds
        storeChanged = old.store != new.store
        speechChanged = old.speech != new.speech
        clusterChanged = old.cluster != new.cluster
    }

    /// True when nothing that affects the running bridge changed (`sourcePath` is ignored).
    public var isEmpty: Bool {
        addedOrgs.isEmpty && removedOrgs.isEmpty && changedOrgs.isEmpty && seedAudioChangedOrgs.isEmpty
            && speechTextChangedOrgs.isEmpty && journeysChangedOrgs.isEmpty && !journeysChanged && !serverChanged
            && !authChanged && !occupancyChanged && !thresholdsChanged && !storeChanged && !speechChanged
            && !clusterChanged
    }

    /// One line for the config audit log (docs/store.md): `orgs added: apac; retuned: us; thresholds`.
    public var summary: String {
        var parts: [String] = []
        if !addedOrgs.isEmpty { parts.append("orgs added: " + addedOrgs.map(\.rawValue).joined(separator: ", ")) }
        if !removedOrgs.isEmpty { parts.append("orgs removed: " + removedOrgs.map(\.rawValue).joined(separator: ", ")) }
        if !changedOrgs.isEmpty { parts.append("orgs retuned: " + changedOrgs.map(\.rawValue).joined(separator: ", ")) }
        if !seedAudioChangedOrgs.isEmpty {
            parts.append("audio filters: " + seedAudioChangedOrgs.map(\.rawValue).joined(separator: ", "))
        }
        if !speechTextChangedOrgs.isEmpty {
            parts.append("speech text: " + speechTextChangedOrgs.map(\.rawValue).joined(separator: ", "))
        }
        if !journeysChangedOrgs.isEmpty {
            parts.append("journeys: " + journeysChangedOrgs.map(\.rawValue).joined(separator: ", "))
        }
        if journeysChanged { parts.append("journeys salt") }
        if serverChanged { parts.append("server") }
        if authChanged { parts.append("auth/clients") }
        if occupancyChanged { parts.append("occupancy") }
        if thresholdsChanged { parts.append("thresholds") }
        if storeChanged { parts.append("store (after a restart)") }
        if speechChanged { parts.append("speech") }
        if clusterChanged { parts.append("cluster (after a restart)") }
        return parts.isEmpty ? "no change" : parts.joined(separator: "; ")
    }

    /// Org ids whose connector must be (re)started: added and changed.
    public var orgsToStart: [OrgID] { addedOrgs + changedOrgs }
}
