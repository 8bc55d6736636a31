import SwitchboardCore

/// One event of a call's transcription: a partial or the final of one talk spurt.
struct SimTranscriptEvent {
    var at: EpochMillis
    var utteranceID: String
    var channel: SpeechChannel
    var isFinal: Bool
    var text: String
    var offsetMs: Int64
    var durationMs: Int64
    /// Per mille.
    var confidence: Int
    var keywords: [String]
    /// Business time the spurt began (a pause from then on silences it).
    var spurtAt: EpochMillis
}

/// A voice call's transcription: from the first agent connecting to the end of the conversation.
struct SimTranscription {
    let conversationID: String
    let topic: String
    let communicationID: String
    /// Business time of the first connect: offset 0.
    let start: EpochMillis
    let seed: UInt64
    var schedule: SimSpeechSchedule
    /// Spurts starting before this position (ms) are planned.
    var planned: Int64 = 0
    var nextCustomer = 0
    var nextAgent = 0
    /// Planned events not yet due, by time.
    var events: [SimTranscriptEvent] = []
    var pauses: [(start: EpochMillis, end: EpochMillis?)] = []
    /// A `.transcriptDue` action with this epoch is in the heap.
    var scheduled = false
    var epoch: UInt32 = 0
}

/// Everything the org's transcription keeps (one stored property of ``OrgModel``).
struct SimTranscriptionState {
    /// The simulator's seed: a call's talk schedule is the AudioHook audio's (same seed and conversation id).
    var seed: UInt64 = 0
    var calls: [Int: SimTranscription] = [:]
    var byID: [String: Int] = [:]
    /// Truth, oldest first, at most ``truthLimit`` conversations.
    var truth: [SimTranscriptTruth] = []
    var truthIndex: [String: Int] = [:]
    var truthBase = 0
    var pendingMalformed = 0
    var pendingDrop = 0
    var pendingDuplicate = 0
    /// Send every call's transcription even when nobody subscribes (tests; ``OrgModel/recordAll`` does not, as
    /// transcription sends ten times the messages of everything else).
    var recordAll = false
    /// ``SimulatorOptions/transcriptionShare``: calls outside it are never transcribed.
    var share: Double = 1
    static let truthLimit = 500
    static let dialect = "en-US"
}

extension OrgModel {
    // MARK: - Milestones (from the call flow, through recordAudio)

    /// A voice call's milestone: transcription starts at the first connect, pauses on hold and while a transfer
    /// waits, and ends (`SESSION_ENDED`) with the conversation.
    func transcriptionMilestone(_ c: Int, _ kind: SimCallAudioEvent.Kind) {
        switch kind {
        case .connected:
            if transcription.calls[c] != nil {
                resumeTranscription(c)
                return
            }
            guard let conv = conversations[c],
                  SimAudioHookClient.monitored(conv.id, seed: transcription.seed, share: transcription.share) else { return }
            let customer = conv.participants.first { $0.kind == .customer }
            let seed = SimAudioHookClient.hash(conv.id, seed: transcription.seed)
            transcription.calls[c] = SimTranscription(
                conversationID: conv.id, topic: "v2.conversations.\(conv.id).transcription",
                communicationID: customer?.communicationID ?? conv.id, start: now, seed: seed,
                schedule: SimSpeechSchedule(seed: seed))
            transcription.byID[conv.id] = c
            scheduleTranscript(c)
        case .paused:
            guard var t = transcription.calls[c], t.pauses.last.map({ $0.end != nil }) ?? true else { return }
            t.pauses.append((now, nil))
            transcription.calls[c] = t
        case .resumed:
            resumeTranscription(c)
        case .ended:
            endTranscription(c)
        }
    }

    private func resumeTranscription(_ c: Int) {
        guard var t = transcription.calls[c], let last = t.pauses.last, last.end == nil else { return }
        t.pauses[t.pauses.count - 1].end = now
        transcription.calls[c] = t
    }

    private func endTranscription(_ c: Int) {
        guard var t = transcription.calls.removeValue(forKey: c) else { return }
        transcription.byID[t.conversationID] = nil
        emitDue(&t, through: now)
        if listens(t.topic) {
            emitTranscription(t, events: [], ended: true)
            updateTruth(t.conversationID) { $0.ended = true }
        }
    }

    // MARK: - Subscriptions and the heap

    /// Whether a transcription message on `topic` would go anywhere.
    func listens(_ topic: String) -> Bool {
        publishing && (transcription.recordAll || interest[topic] != nil)
    }

    /// A channel subscribed `topic` (a transcription topic): the call's next utterance is sent from now on.
    func transcriptionSubscribed(_ topic: String) {
        let parts = topic.split(separator: ".")
        guard parts.count == 4, let c = transcription.byID[String(parts[2])] else { return }
        scheduleTranscript(c)
    }

    /// Puts the call's next event in the heap, if someone listens and none is there. What was due before now
    /// and never sent (nobody listened) is skipped.
    func scheduleTranscript(_ c: Int) {
        guard var t = transcription.calls[c], !t.scheduled, listens(t.topic) else { return }
        t.events.removeAll { $0.at < now }
        guard let next = nextEventTime(&t) else { return }
        t.epoch &+= 1
        t.scheduled = true
        transcription.calls[c] = t
        heap.push(next, .transcriptDue(conversation: c, epoch: t.epoch))
    }

    /// The heap's `.transcriptDue`: sends what is due and schedules the next.
    func transcriptDue(_ c: Int, epoch: UInt32) {
        guard var t = transcription.calls[c], t.epoch == epoch, t.scheduled else { return }
        t.scheduled = false
        emitDue(&t, through: now)
        transcription.calls[c] = t
        scheduleTranscript(c)
    }

    // MARK: - Planning and sending

    /// Plans spurts until the earliest planned event lies before every unplanned spurt's start.
    private func nextEventTime(_ t: inout SimTranscription) -> EpochMillis? {
        while true {
            if let first = t.events.first, first.at - t.start < t.planned { return first.at }
            let horizon = max(t.planned, now - t.start) + 10_000
            t.schedule.extend(through: horizon)
            plan(&t, channel: .customer, before: horizon)
            plan(&t, channel: .agent, before: horizon)
            t.planned = horizon
            // Spurts planned late (nobody listened while they were said) are not sent late.
            t.events.removeAll { $0.at < now }
            t.events.sort { $0.at != $1.at ? $0.at < $1.at : $0.utteranceID < $1.utteranceID }
        }
    }

    private func plan(_ t: inout SimTranscription, channel: SpeechChannel, before horizon: Int64) {
        let spurts = t.schedule.spurts(channel)
        var i = channel == .customer ? t.nextCustomer : t.nextAgent
        while i < spurts.count, spurts[i].lowerBound < horizon {
            let spurt = spurts[i]
            // What is said in a spurt depends only on the call and the spurt, not on when anyone listened.
            var r = SimRandom(seed: t.seed ^ (UInt64(i + 1) &* 0x9E37_79B9_7F4A_7C15) ^ (channel == .customer ? 0x5A5A : 0xA5A5))
            let duration = spurt.upperBound - spurt.lowerBound
            let said = SimTranscriptCorpus.utterance(channel, durationMs: duration, &r)
            let id = r.uuid()
            let partials = r.int(1...2)
            let confidence = r.int(800...990)
            let begin = t.start + spurt.lowerBound
            for k in 1...partials {
                let at = begin + duration * Int64(k) / Int64(partials + 1)
                t.events.append(SimTranscriptEvent(
                    at: at, utteranceID: id, channel: channel, isFinal: false,
                    text: SimTranscriptCorpus.prefix(said.text, part: k, of: partials), offsetMs: spurt.lowerBound,
                    durationMs: at - begin, confidence: confidence, keywords: [], spurtAt: begin))
            }
            t.events.append(SimTranscriptEvent(
                at: begin + duration, utteranceID: id, channel: channel, isFinal: true, text: said.text,
                offsetMs: spurt.lowerBound, durationMs: duration, confidence: confidence, keywords: said.keywords,
                spurtAt: begin))
            i += 1
        }
        if channel == .customer { t.nextCustomer = i } else { t.nextAgent = i }
    }

    /// Sends the planned events due by `time` (when someone listens): an event is said unless a pause (hold, a
    /// transfer's wait) began between its spurt's start and it.
    private func emitDue(_ t: inout SimTranscription, through time: EpochMillis) {
        var due: [SimTranscriptEvent] = []
        while let first = t.events.first, first.at <= time {
            t.events.removeFirst()
            let silenced = t.pauses.contains { p in p.start <= first.at && (p.end ?? .max) > first.spurtAt }
            if !silenced { due.append(first) }
        }
        guard !due.isEmpty, listens(t.topic) else { return }
        for e in due {
            let truth = SimTranscriptTruth.Utterance(
                utteranceId: e.utteranceID, channel: e.channel == .customer ? "EXTERNAL" : "INTERNAL",
                offsetMs: e.offsetMs, durationMs: e.durationMs, text: e.text, keywords: e.keywords)
            if e.isFinal && transcription.pendingDrop > 0 {
                transcription.pendingDrop -= 1
                updateTruth(t.conversationID) {
                    $0.dropped.append(truth)
                    $0.faults.append(SimTranscriptionFault.drop.rawValue)
                }
                continue
            }
            emitTranscription(t, events: [e], ended: false)
            if e.isFinal { updateTruth(t.conversationID) { $0.finals.append(truth) } }
        }
    }

    /// Publishes one message (and the faults it takes).
    private func emitTranscription(_ t: SimTranscription, events: [SimTranscriptEvent], ended: Bool) {
        if transcription.pendingMalformed > 0 {
            transcription.pendingMalformed -= 1
            emit(t.topic, transcriptionBody(t, events: events, ended: false, malformed: true))
            updateTruth(t.conversationID) { $0.faults.append(SimTranscriptionFault.malformed.rawValue) }
        }
        let body = transcriptionBody(t, events: events, ended: ended, malformed: false)
        emit(t.topic, body)
        if transcription.pendingDuplicate > 0 {
            transcription.pendingDuplicate -= 1
            emit(t.topic, body)
            updateTruth(t.conversationID) { $0.faults.append(SimTranscriptionFault.duplicate.rawValue) }
        }
    }

    /// `TranscriptionTopicTranscriptionMessage`; `malformed`: one transcript without `utteranceId`.
    func transcriptionBody(_ t: SimTranscription, events: [SimTranscriptEvent], ended: Bool, malformed: Bool) -> [UInt8] {
        var w = JSONWriter(capacity: 512)
        w.object { w in
            w.field("eventTime", time: now)
            w.field("organizationId", plain: organizationID)
            w.field("conversationId", plain: t.conversationID)
            w.field("communicationId", plain: t.communicationID)
            w.field("sessionStartTimeMs", t.start)
            w.field("transcriptionStartTimeMs", t.start)
            if !ended {
                w.array("transcripts") { w in
                    for e in events { writeTranscript(&w, e, withID: !malformed) }
                    if malformed && events.isEmpty {
                        writeTranscript(&w, SimTranscriptEvent(
                            at: now, utteranceID: "", channel: .customer, isFinal: true, text: "hello", offsetMs: 0,
                            durationMs: 0, confidence: 900, keywords: [], spurtAt: now), withID: false)
                    }
                }
            }
            w.object("status") { w in
                w.field("offsetMs", now - t.start)
                w.field("status", plain: ended ? "SESSION_ENDED" : "SESSION_ONGOING")
            }
        }
        return w.bytes
    }

    private func writeTranscript(_ w: inout JSONWriter, _ e: SimTranscriptEvent, withID: Bool) {
        w.object { w in
            if withID { w.field("utteranceId", plain: e.utteranceID) }
            w.field("isFinal", e.isFinal)
            w.field("channel", plain: e.channel == .customer ? "EXTERNAL" : "INTERNAL")
            w.array("alternatives") { w in
                w.object { w in
                    w.key("confidence")
                    w.raw(Array("0.\(String(format: "%03d", e.confidence))".utf8))
                    w.field("offsetMs", e.offsetMs)
                    w.field("durationMs", e.durationMs)
                    w.field("transcript", e.text)
                }
            }
            w.field("dialect", plain: SimTranscriptionState.dialect)
            w.field("agentAssistEnabled", false)
            w.field("voiceTranscriptionEnabled", true)
        }
    }

    // MARK: - Truth and faults

    private func updateTruth(_ conversationID: String, _ change: (inout SimTranscriptTruth) -> Void) {
        let i: Int
        if let found = transcription.truthIndex[conversationID] {
            i = found - transcription.truthBase
        } else {
            transcription.truth.append(SimTranscriptTruth(conversationId: conversationID))
            i = transcription.truth.count - 1
            transcription.truthIndex[conversationID] = i + transcription.truthBase
            if transcription.truth.count > SimTranscriptionState.truthLimit {
                let gone = transcription.truth.removeFirst()
                transcription.truthIndex[gone.conversationId] = nil
                transcription.truthBase += 1
                change(&transcription.truth[i - 1])
                return
            }
        }
        change(&transcription.truth[i])
    }

    /// The org's transcription truth (`transcripts`), oldest conversation first.
    func transcriptTruth() -> [SimTranscriptTruth] { transcription.truth }

    /// Queues a transcription fault for the org's next transcription message(s).
    func queueTranscriptionFault(_ fault: SimTranscriptionFault, count: Int) -> String {
        switch fault {
        case .malformed: transcription.pendingMalformed += count
        case .drop: transcription.pendingDrop += count
        case .duplicate: transcription.pendingDuplicate += count
        }
        return "next \(count) transcription message(s): \(fault.rawValue)"
    }
}
