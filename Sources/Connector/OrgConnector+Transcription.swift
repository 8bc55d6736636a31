import GenesysAPI
import SwitchboardConfig
import SwitchboardCore

extension OrgConnector {
    /// The org's transcription topics (`/readyz`); nil when the org does not read transcription.
    public var transcriptionStatus: TranscriptionTopicStateMachine.Status? {
        state.transcription.enabled ? state.transcription.status : nil
    }

    /// Applies a reloaded `speechText:` section (a change there restarts nothing, docs/speech-text.md): turning
    /// `transcription` off removes every transcription topic at the next flush; on, calls are subscribed from
    /// their next conversation snapshot.
    public func apply(speechText: SpeechTextConfig?) {
        let on = options.transcripts != nil && speechText?.transcription == true
        guard on != state.transcription.enabled else { return }
        logger.info("transcription \(on ? "on" : "off")")
        state.transcription.setEnabled(on)
    }

    /// Runs for the length of a session: executes what the ``TranscriptionTopicStateMachine`` asks for (adds,
    /// replacements, a spare channel, budget warnings) off the session loop, so a slow platform never holds up the
    /// watchdog or the sockets.
    func flushTranscriptionTopics(rest: GenesysRESTClient, events: AsyncStream<SocketEvent>.Continuation) async {
        let tx = state.transcription
        var rejection: String?
        var exhaustion: String?
        var shownProblem: String?
        while !Task.isCancelled {
            let actions = tx.box.withLock { $0.machine.poll(now: .now) }
            for action in actions {
                if Task.isCancelled { return }
                switch action {
                case .add(let channel, let topics), .replace(let channel, let topics):
                    let replace = if case .replace = action { true } else { false }
                    do {
                        let result = replace ? try await rest.replaceSubscriptions(channel: channel, topics: topics)
                            : try await rest.addSubscriptions(channel: channel, topics: topics)
                        let refused = result.filter { $0.state == "Rejected" }
                        tx.box.withLock { $0.machine.completed(action, ok: true, rejected: Set(refused.map(\.id)), now: .now) }
                        if let text = Self.refusedText(refused) { rejection = text }
                    } catch {
                        if Task.isCancelled { return }
                        tx.box.withLock { $0.machine.completed(action, ok: false, now: .now) }
                        logger.warning("transcription topics: \(replace ? "PUT" : "POST") failed; retrying after a backoff",
                                       metadata: ["channel": "\(Redaction.shortHash(channel))", "topics": "\(topics.count)",
                                                  "error": "\(error)"])
                    }
                case .createChannel:
                    do {
                        let c = try await rest.createChannel()
                        logger.info("transcription topics: spare channel created",
                                    metadata: ["channel": "\(Redaction.shortHash(c.id))"])
                        events.yield(.spareCreated(.init(c)))
                    } catch {
                        if Task.isCancelled { return }
                        tx.box.withLock { $0.machine.channelCreationFailed(now: .now) }
                        logger.warning("transcription topics: creating a spare channel failed; retrying after a backoff",
                                       metadata: ["error": "\(error)"])
                    }
                case .budgetExhausted(let queued):
                    let c = tx.box.value.machine.configuration
                    exhaustion = "transcription: the notification budget is spent (\(c.maxChannels) channels × "
                        + "\(c.topicsPerChannel) topics for this OAuth client, the org's own topics included); "
                        + "\(queued) live call(s) wait for room and get no transcription until calls end"
                    logger.warning("transcription topics: budget exhausted; calls wait for room (logged once per episode)",
                                   metadata: ["queued": "\(queued)", "maxChannels": "\(c.maxChannels)",
                                              "topicsPerChannel": "\(c.topicsPerChannel)"])
                case .budgetRecovered:
                    exhaustion = nil
                    logger.notice("transcription topics: every waiting call is subscribed again")
                }
            }
            let status = tx.box.withLock { s -> TranscriptionTopicStateMachine.Status? in
                let now = s.machine.status
                guard now != s.reported else { return nil }
                s.reported = now
                return now
            }
            if let status {
                observer.transcriptionTopics(org: org.id, status: status)
                if status.rejected == 0 { rejection = nil }
            }
            let text = exhaustion ?? rejection
            if text != shownProblem {
                shownProblem = text
                await problem("transcription", text)
            }
            let now = ContinuousClock.now
            var next = tx.box.withLock { $0.machine.nextDue(now: now) }
            if let n = next, n <= now {
                if !actions.isEmpty { continue }
                // Due but nothing came of it: never spin.
                next = now + tx.box.value.machine.configuration.batchInterval
            }
            await tx.wakeup.wait(until: next)
        }
    }

    /// The problem text for transcription topics the platform refused.
    static func refusedText(_ refused: [ChannelTopic]) -> String? {
        guard let first = refused.first else { return nil }
        let missing = Array(Set(refused.flatMap { $0.missingPermissions ?? [] })).sorted()
        let why = missing.isEmpty ? (first.rejectionReason ?? "no reason given") : "the OAuth client lacks " + missing.joined(separator: ", ")
        return "transcription: \(refused.count) call(s) refused, e.g. \(first.id) — \(why); those calls get no "
            + "transcription (is Genesys voice transcription enabled, and may the client read it? docs/permissions.md)"
    }
}
