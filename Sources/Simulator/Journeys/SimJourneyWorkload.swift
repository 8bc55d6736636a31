import Journeys
import SwitchboardCore

/// Tags a published message of a journey conversation, so delivery can hold it back (`journey-reorder`), keep
/// it for a replay, or push it to EventBridge.
struct SimJourneyTag: Sendable {
    let conversation: String
    /// The generated customer's serial; -1 for a caller of the voice workload.
    let customer: Int
    let media: JourneyMedia
    /// Held back behind the org's next voice message (`journey-reorder`).
    let lagged: Bool
}

/// An org's journey generator and truth (``OrgModel/journeys``): customers, their live conversations, the
/// journeys truth book, pending journey faults and the EventBridge outbox. Lives under the org's lock.
final class SimJourneyWorkload {
    let options: SimJourneyOptions
    /// The org's default country and key policy (the truth's canonical keys).
    let country: String
    let policy: CustomerKeyPolicy
    var rng: SimRandom
    var customers: [Int: SimCustomer] = [:]
    var usedPhones: Set<String> = []
    var nextCustomer = 0
    /// Contacts scheduled to begin, per customer (a return or a media transfer on its way).
    var pendingBegins: [Int: Int] = [:]
    var conversations: [Int: SimJourneyConversation] = [:]
    var nextConversation = 0
    var truth: SimJourneyTruthBook
    var generated = SimJourneyTruth.Generated()
    /// `journey-missing-disposition`: agent legs still to skip their wrap-up.
    var missingDispositionFaults = 0
    /// `journey-reorder`: non-voice contacts still to be held back.
    var reorderFaults = 0
    /// Detail events are also collected for the EventBridge pusher.
    var eventBridgeOn = false
    var eventBridgeOutbox: [SimMessage] = []
    /// The seed's event stream: every detail moment translated (``SimSeedEventTranslator``), taken each tick.
    var seedTranslator: SimSeedEventTranslator
    var seedEvents: [SimSeedEvent] = []
    /// Per queue, the media variant topics in ``JourneyMedia`` order (`v2.routing.queues.{id}.calls`, …).
    var mediaTopics: [[String]] = []

    init(org: String, options: SimJourneyOptions, seed: UInt64, queueIDs: [String]) {
        self.options = options
        seedTranslator = SimSeedEventTranslator(org: org)
        country = GenesysSimulator.locale(of: org).country
        policy = (try? CustomerKeyPolicy(defaultCountry: country))
            ?? CustomerKeyPolicy(phone: PhoneNumberNormalizer(plan: .init(
                callingCode: "1", trunkPrefix: "1", internationalPrefixes: ["011"], nationalLengths: 10...10)))
        rng = SimRandom(seed: seed ^ 0x10E7_5EED_CAFE)
        truth = SimJourneyTruthBook(org: org, timeout: options.sessionTimeout, grace: options.idleGrace,
                                    capacity: options.truthCapacity)
        mediaTopics = queueIDs.map { id in
            JourneyMedia.allCases.map { "v2.routing.queues.\(id).\(SimJourneyConversation.mediaField($0))" }
        }
    }

    /// The canonical key of an identity by the org's policy ("" when nothing normalises).
    func key(_ identity: CustomerIdentity) -> String { policy.key(for: identity)?.canonical ?? "" }

    /// A duration drawn in [lo, hi] seconds, kept under half the session timeout so no contact is silent
    /// near a threshold of the rules.
    func gap(_ lo: Double, _ hi: Double) -> EpochMillis {
        let cap = max(1000, options.sessionTimeout / 2)
        var d = rng.millis(lo, hi)
        if d > cap { d = cap * 6 / 10 + EpochMillis(Double(cap * 4 / 10) * rng.unit()) }
        return max(500, d)
    }

    /// Wait in queue before an agent answers.
    func waitBeforeAnswer(_ m: JourneyMedia) -> EpochMillis {
        switch m {
        case .voice: gap(5, 90)
        case .chat: gap(5, 60)
        case .message: gap(10, 120)
        case .email: gap(30, 240)
        case .callback: gap(30, 150)
        }
    }

    /// An agent's handling until the contact ends or is transferred.
    func handling(_ m: JourneyMedia) -> EpochMillis {
        switch m {
        case .voice: gap(40, 300)
        case .chat: gap(90, 400)
        case .message: gap(60, 300)
        case .email: gap(60, 240)
        case .callback: gap(40, 240)
        }
    }

    /// Where an agent may move a customer on `m` to, among the customer's media.
    static func transferTargets(from m: JourneyMedia, allowed: [JourneyMedia]) -> [JourneyMedia] {
        let targets: [JourneyMedia]
        switch m {
        case .voice: targets = [.callback, .email, .message]
        case .chat: targets = [.email, .callback]
        case .message: targets = [.email, .callback]
        case .email: targets = [.callback]
        case .callback: targets = [.email, .message]
        }
        return targets.filter(allowed.contains)
    }

    /// The new-customer rate (per second) at local hour shape `shape` (1 at the busiest hours).
    func customersPerSecond(shape: Double) -> Double { options.customersPerHour * shape / 3600 }

    /// Detail events' EventBridge collection, then the truth counts; called by the model for every
    /// detail event it writes.
    func collectForEventBridge(_ m: SimMessage) {
        guard eventBridgeOn else { return }
        eventBridgeOutbox.append(m)
    }

    /// Takes the detail events collected for EventBridge.
    func takeEventBridge() -> [SimMessage] {
        defer { eventBridgeOutbox.removeAll(keepingCapacity: true) }
        return eventBridgeOutbox
    }

    /// Takes the seed stream's events written since the last call.
    func takeSeedEvents() -> [SimSeedEvent] {
        defer { seedEvents.removeAll(keepingCapacity: true) }
        return seedEvents
    }

    /// The journeys truth at `now` (EventBridge counts are added by the simulator).
    func truthReport(now: EpochMillis) -> SimJourneyTruth {
        SimJourneyTruth(
            sessionTimeoutMs: options.sessionTimeout, idleGraceMs: options.idleGrace, defaultCountry: country,
            identity: policy.sources.map(\.rawValue), journeys: truth.report(now: now), generated: generated,
            eventBridge: nil)
    }
}

extension OrgModel {
    /// The `journeys` section of the truth; nil for an org without journeys.
    func journeyTruth() -> SimJourneyTruth? { journeys?.truthReport(now: now) }
}
