import SwitchboardCore

/// What a replica has to forward to the leaders of orgs it does not lead (docs/scale-out.md, "AudioHook on any
/// replica"): the audio path adds its events without waiting (the caller holds a lock around this value), the
/// forwarding service drains it into rows a few times a second. Pure: the times are the caller's monotonic
/// milliseconds.
///
/// - **Order.** Each org's events leave in the order they came, so a session's `opened`, `progress` and `ended`
///   reach the leader in that order (they are written one row after another on one connection).
/// - **Bounded.** Past ``maxQueued`` events waiting (the database is unreachable), `progress` reports and keyword
///   hits are dropped and counted: a report's figures are cumulative, so the next one carries what a dropped one
///   held. `opened` and `ended` are never dropped.
/// - **Sessions made known again.** The `opened` of every session still live here is sent again every
///   ``reopenInterval``, first in its org's next row: a replica that begins leading the org later (or read past a
///   lost row) learns the session from it and takes the next reports (a repeated `opened` of a live session changes
///   nothing in the speech views). A session without any event for ``forgetAfter`` is no longer sent again.
///   Sessions of orgs led here are noted too (``note(speech:now:)``) but not sent while the org is led here; once
///   this replica no longer leads it, their `opened` goes at the next drain, so the new leader takes their reports.
public struct AudioForwardOutbox: Sendable {
    public var maxQueued = 50_000
    public var reopenInterval: Int64 = 30_000
    public var forgetAfter: Int64 = 120_000
    /// The most events in one row.
    public var maxPerRecord = 2_000

    struct Live: Sendable {
        var opened: SpeechSessionOpened
        var sentAt: Int64
        var lastAt: Int64
    }

    private var pending: [OrgID: ForwardedAudioRecord] = [:]
    private var queued = 0
    private var live: [String: Live] = [:]
    /// Events dropped since the start (over ``maxQueued``).
    public private(set) var dropped = 0

    public init() {}

    public var isEmpty: Bool { pending.isEmpty }
    public var count: Int { queued }

    /// Queues session reports (of orgs led elsewhere).
    public mutating func add(speech events: [SpeechEvent], now: Int64) {
        for e in events {
            let key = "\(e.org.rawValue)/\(e.session)"
            switch e {
            case .opened(let o): live[key] = Live(opened: o, sentAt: now, lastAt: now)
            case .progress:
                live[key]?.lastAt = now
                if queued >= maxQueued {
                    dropped += 1
                    continue
                }
            case .ended: live[key] = nil
            }
            pending[e.org, default: ForwardedAudioRecord()].speech.append(e)
            queued += 1
        }
    }

    /// Notes the sessions of orgs led here (their reports go to the local views alone): their `opened` is sent at
    /// the first drain after the org is led elsewhere.
    public mutating func note(speech events: [SpeechEvent], now: Int64) {
        for e in events {
            let key = "\(e.org.rawValue)/\(e.session)"
            switch e {
            case .opened(let o): live[key] = Live(opened: o, sentAt: now - reopenInterval, lastAt: now)
            case .progress: live[key]?.lastAt = now
            case .ended: live[key] = nil
            }
        }
    }

    /// Queues keyword hits and transcript events (of orgs led elsewhere).
    public mutating func add(transcripts events: [TranscriptEvent]) {
        for e in events {
            if queued >= maxQueued {
                dropped += 1
                continue
            }
            pending[e.org, default: ForwardedAudioRecord()].transcripts.append(e)
            queued += 1
        }
    }

    /// Everything queued, as rows per org (orgs in order, each split at ``maxPerRecord`` events), with the `opened`
    /// of live sessions due again first in their org's row; those of the orgs in `led` (led here) are not sent.
    public mutating func drain(now: Int64, led: Set<OrgID> = []) -> [(org: OrgID, record: ForwardedAudioRecord)] {
        for (key, s) in live {
            if now - s.lastAt >= forgetAfter {
                live[key] = nil
            } else if now - s.sentAt >= reopenInterval && !led.contains(s.opened.org) {
                live[key]?.sentAt = now
                pending[s.opened.org, default: ForwardedAudioRecord()].speech.insert(.opened(s.opened), at: 0)
            }
        }
        let out = pending.sorted { $0.key < $1.key }.flatMap { org, record in
            split(record).map { (org: org, record: $0) }
        }
        pending.removeAll()
        queued = 0
        return out
    }

    /// The sessions whose `opened` is sent again (tests).
    public var liveSessions: Int { live.count }

    private func split(_ record: ForwardedAudioRecord) -> [ForwardedAudioRecord] {
        guard record.count > maxPerRecord else { return [record] }
        var out: [ForwardedAudioRecord] = []
        var i = 0
        while i < record.speech.count {
            let end = min(i + maxPerRecord, record.speech.count)
            out.append(ForwardedAudioRecord(speech: Array(record.speech[i..<end])))
            i = end
        }
        i = 0
        while i < record.transcripts.count {
            let end = min(i + maxPerRecord, record.transcripts.count)
            out.append(ForwardedAudioRecord(transcripts: Array(record.transcripts[i..<end])))
            i = end
        }
        return out
    }
}
