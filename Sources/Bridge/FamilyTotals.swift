import JourneyViews
import SpeechTextViews
import SpeechViews
import Synchronization
import SwitchboardCore

/// The speech, speech-text and journey views in a cluster (docs/scale-out.md, "The global topics"): which orgs
/// another replica leads (their global totals count with what the leader sends, ``OrgTotalsEnvelope``), the parts
/// received for them, and which parts of an org led here go out with its next envelope.
///
/// A family part goes out when it changed since it was last sent, and every part of the org at least every
/// ``resendAfter`` — a replica that starts following an org reads its rows from the last state row on, so it has
/// every part within that time. An engine not attached (yet), or an org a family does not configure, has no part.
final class FamilyTotals: Sendable {
    struct Engines: Sendable {
        var speech: SpeechViewEngine?
        var speechText: SpeechTextViewEngine?
        var journeys: JourneyViewEngine?
    }

    /// The family parts of an org, as sent or to send (nil: none, or unchanged).
    struct Parts: Sendable, Equatable {
        var speech: SpeechTotalsPart?
        var speechText: SpeechTextTotalsPart?
        var journeys: JourneyTotalsPart?
    }

    /// Every part of an org goes out again after this long (real time), changed or not.
    static let resendAfter: Duration = .seconds(10)

    private struct State {
        var engines = Engines()
        var remote: Set<OrgID> = []
        var sent: [OrgID: (parts: Parts, at: ContinuousClock.Instant)] = [:]
    }

    private let box = Mutex(State())

    init() {}

    /// The engines, once made; they take the orgs led elsewhere now.
    func attach(_ engines: Engines) {
        let remote = box.withLock { s in
            s.engines = engines
            return s.remote
        }
        Self.setRemote(remote, on: engines)
    }

    /// The orgs another replica leads now (every other org of the configuration): their family totals count with
    /// their leaders' parts. An org led here again sends all its parts with its next envelope.
    func setRemote(_ orgs: Set<OrgID>) {
        let engines = box.withLock { s in
            s.remote = orgs
            for org in orgs { s.sent[org] = nil }
            return s.engines
        }
        Self.setRemote(orgs, on: engines)
    }

    private static func setRemote(_ orgs: Set<OrgID>, on e: Engines) {
        e.speech?.setRemoteOrgs(orgs)
        e.speechText?.setRemoteOrgs(orgs)
        e.journeys?.setRemoteOrgs(orgs)
    }

    /// The family parts of a row another replica wrote for `org` (each engine ignores an org led here).
    func apply(_ envelope: OrgTotalsEnvelope, of org: OrgID) {
        let e = box.withLock { $0.engines }
        if let p = envelope.speech { e.speech?.applyRemote(p, of: org) }
        if let p = envelope.speechText { e.speechText?.applyRemote(p, of: org) }
        if let p = envelope.journeys { e.journeys?.applyRemote(p, of: org) }
    }

    /// The parts of `org` (led here) to send with its next envelope: the changed ones, or all when due.
    func parts(of org: OrgID, now: ContinuousClock.Instant = .now) async -> Parts {
        let e = box.withLock { $0.engines }
        var current = Parts()
        current.speech = await e.speech?.totalsPart(of: org)
        current.speechText = await e.speechText?.totalsPart(of: org)
        current.journeys = await e.journeys?.totalsPart(of: org)
        return box.withLock { s in Self.due(current, last: &s.sent[org], now: now) }
    }

    /// What of `current` goes out, given what was sent last (updated).
    static func due(_ current: Parts, last: inout (parts: Parts, at: ContinuousClock.Instant)?,
                    now: ContinuousClock.Instant) -> Parts {
        guard let previous = last, now - previous.at < resendAfter else {
            last = (current, now)
            return current
        }
        var out = Parts()
        if current.speech != previous.parts.speech { out.speech = current.speech }
        if current.speechText != previous.parts.speechText { out.speechText = current.speechText }
        if current.journeys != previous.parts.journeys { out.journeys = current.journeys }
        last = (current, previous.at)
        return out
    }
}
