import Foundation
import GenesysAPI
import HummingbirdWSClient
import Logging
import Normalizer
import SwitchboardCore

extension OrgConnector {
    /// What a socket child tells the session.
    enum SocketEvent: Sendable {
        case opened(channel: String)
        case control(ChannelStateMachine.SessionEnd, channel: String)
        case closed(channel: String, error: String?, connected: Bool)
        case tick
        /// The transcription flusher created a spare channel: connect it.
        case spareCreated(ChannelStateMachine.Channel)
        /// The session's re-sync ended (its fresh topics when it read the directory; nil when it failed).
        case resynced(topics: [String]?)
        /// The events held during the re-sync are applied and the gate is open.
        case heldApplied
    }

    /// What the session tells a socket child.
    enum SocketCommand: Sendable {
        case ping
        case close
        /// Ping, read on until every ping sent so far is answered (or `timeout`), then close: everything the platform
        /// sent on this socket before the last ping has been read by then (it answers pings in order).
        case drainThenClose(timeout: Duration)
    }

    /// The platform's socket ping (answered with a `channel.metadata` pong, in order).
    static let pingMessage = #"{"message":"ping"}"#

    struct SessionOutcome {
        var end: ChannelStateMachine.SessionEnd
        var channel: String?
        var uptime: Duration
        /// Topics from a re-sync run during the session.
        var topics: [String]?
        /// Why the watchdog fired, when it did.
        var verdict: Watchdog.Verdict?
        /// The sockets the session had when a watchdog fired (the verdict is one socket's).
        var sockets = 0
    }

    /// One session: a socket per channel, the watchdog, make-before-break rollover; ends at the
    /// first fault.
    /// - Parameter baselined: a re-sync has put a whole baseline in the views before (false on the first session):
    ///   without one the org is shown `open` only once this session's re-sync is in, not when its sockets open —
    ///   `open` promises figures a wall may tick, and half a baseline (directory and history, no today's totals
    ///   yet) is not that.
    func runSession(channels: [ChannelStateMachine.Channel], machine: inout ChannelStateMachine,
                    rest: GenesysRESTClient, alerted: inout Bool, baselined: Bool = true) async -> SessionOutcome {
        let t = org.tunables
        let (events, eventsOut) = AsyncStream.makeStream(of: SocketEvent.self)
        // Fine enough that a probe's deadline is met within a quarter of its timeout (a ghost is found at most
        // that much after `pingAfterQuiet + 2 × pingTimeout`); one wake-up per org, nothing per frame.
        let tick = min(options.tickInterval, max(.milliseconds(50), min(t.heartbeatTimeout / 8, t.pingTimeout / 4)))
        return await withTaskGroup(of: Void.self, returning: SessionOutcome.self) { group in
            var commands: [String: AsyncStream<SocketCommand>.Continuation] = [:]
            // A watchdog per socket: an org whose topics take several channels has a socket each, and one of them
            // going silent while the others carry on is a ghost all the same (its topics' events stop). One watchdog
            // fed by every socket took the others' heartbeats for its life and never fired.
            var watchdogs: [String: Watchdog] = [:]
            func startSocket(_ c: ChannelStateMachine.Channel) {
                let (cmds, cmdOut) = AsyncStream.makeStream(of: SocketCommand.self)
                commands[c.id] = cmdOut
                let now = ContinuousClock.now
                state.box.withLock { $0.sockets[c.id] = SocketLife(lastActivity: now) }
                watchdogs[c.id] = Watchdog(timeout: t.heartbeatTimeout, pingAfterQuiet: t.pingAfterQuiet,
                                           pingTimeout: t.pingTimeout, now: now)
                group.addTask { await self.runSocket(c, commands: cmds, events: eventsOut) }
            }
            // The re-sync steps (ChannelStateMachine.SessionStep); the REST re-sync and the held events' application
            // are child tasks that report back as events.
            func perform(_ steps: [ChannelStateMachine.SessionStep]) {
                for step in steps {
                    switch step {
                    case .holdEvents:
                        state.gate.withLock { $0.hold() }
                    case .startResync:
                        group.addTask {
                            let fresh = try? await self.resync(rest: rest)
                            eventsOut.yield(.resynced(topics: fresh))
                        }
                    case .applyHeldOnBaseline:
                        group.addTask {
                            await self.applyHeldEvents()
                            eventsOut.yield(.heldApplied)
                        }
                    }
                }
            }
            state.box.withLock { $0.sockets = [:] }
            for c in channels { startSocket(c) }
            let transcription = state.transcription
            group.addTask { await self.flushTranscriptionTopics(rest: rest, events: eventsOut) }
            var spares: Set<String> = []
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: tick)
                    eventsOut.yield(.tick)
                }
            }
            var opened: Set<String> = []
            var openedAt: ContinuousClock.Instant?
            var outcome = SessionOutcome(end: .closed, channel: nil, uptime: .zero)
            var rollingOver: Set<String> = []
            var lag = UpstreamLag(warnAfter: Double(t.heartbeatTimeout.milliseconds) / 1000)
            loop: for await event in events {
                switch event {
                case .opened(let id):
                    watchdogs[id]?.activity(at: .now)
                    if spares.remove(id) != nil {
                        transcription.box.withLock { $0.machine.channelCreated(id, now: .now) }
                        transcription.wakeup.signal()
                        continue
                    }
                    if let old = machine.replacementOpened(id) {
                        transcription.box.withLock { $0.machine.channelReplaced(old: old, new: id) }
                        transcription.wakeup.signal()
                        logger.info("rollover: replacement open, draining and closing the old channel's socket",
                                    metadata: ["old": "\(Redaction.shortHash(old))", "new": "\(Redaction.shortHash(id))"])
                        rollingOver.insert(old)
                        // Read to its ping's answer and closed: no longer judged (nothing more is due on it).
                        watchdogs[old] = nil
                        state.box.withLock { $0.sockets[old] = nil }
                        // Not closed at once: what the platform sent on it before the replacement opened may still be
                        // unread (a reader behind under load); every later event comes on both, so the old socket
                        // is read until its ping is answered — a final lost this way failed a rollover test under load.
                        commands[old]?.yield(.drainThenClose(timeout: t.pingTimeout))
                        commands[old]?.finish()
                        commands[old] = nil
                        state.box.withLock { $0.channelIDs = machine.channels.map(\.id) }
                        continue
                    }
                    opened.insert(id)
                    guard opened.count == channels.count, openedAt == nil else { continue }
                    openedAt = .now
                    transcription.box.withLock {
                        $0.machine.channelsReady(static: machine.staticChannels, extra: machine.spareChannels, now: .now)
                    }
                    transcription.wakeup.signal()
                    if baselined {
                        await report(.open, detail: nil)
                    } else {
                        await report(.connecting, detail: "socket open; reading the baseline")
                    }
                    if alerted {
                        alert(.upstreamRecovered, "upstream connection restored")
                        alerted = false
                    }
                    // Reconnect, then re-sync (docs/connector.md): the socket already carries what changes while the
                    // baseline is read; those events are held and applied on top of it. Both run beside this loop, so
                    // the watchdog keeps judging the sockets meanwhile (a ghost during a long re-sync went unseen).
                    perform(machine.socketsOpened())
                case .resynced(let fresh):
                    if let fresh { outcome.topics = fresh }
                    perform(machine.resyncEnded())
                case .heldApplied:
                    if !baselined { await report(.open, detail: nil) }
                case .spareCreated(let c):
                    machine.addSpare(c)
                    spares.insert(c.id)
                    state.box.withLock { $0.channelIDs = machine.channels.map(\.id) }
                    startSocket(c)
                case .control(let end, let id):
                    outcome.end = end
                    outcome.channel = id
                    logger.info("system message", metadata: ["kind": "\(end)", "channel": "\(Redaction.shortHash(id))"])
                    break loop
                case .closed(let id, let error, let connected):
                    if rollingOver.remove(id) != nil { continue }
                    outcome.end = connected ? .closed : .connectFailed
                    outcome.channel = id
                    let metadata: Logger.Metadata = ["channel": "\(Redaction.shortHash(id))", "error": "\(error ?? "-")"]
                    if Task.isCancelled {
                        // Stopping (shutdown, reload, removal): our own sockets close as the connector's tasks are
                        // cancelled, and that close can reach this loop before it sees the cancellation. Not a fault.
                        logger.debug("socket closed while stopping", metadata: metadata)
                    } else {
                        logger.warning("socket closed", metadata: metadata)
                    }
                    break loop
                case .tick:
                    let now = ContinuousClock.now
                    let (lives, handedAge) = state.box.withLock { v in
                        defer { v.handedAgeMs = nil }
                        return (v.sockets, v.handedAgeMs)
                    }
                    // How far behind that leaves the wall: measured, exported and logged, since the watchdog says nothing.
                    switch lag.tick(handedAgeMs: handedAge, speed: clock.speed, now: now) {
                    case .none: break
                    case .behind(let s):
                        logger.warning("reading the sockets behind the platform: the views take longer than the upstream sends",
                                       metadata: ["behind": "\(Int(s)) s"])
                    case .caughtUp:
                        logger.notice("caught up with the platform")
                    }
                    observer.upstreamLag(org: org.id, seconds: lag.seconds)
                    // …and on the org card and /readyz while it lasts, in steps coarse enough not to change every tick.
                    await behind(lag.isBehind ? max(1, UpstreamLag.shown(lag.seconds)) : nil)
                    var silent: String?
                    for id in watchdogs.keys {
                        guard var w = watchdogs[id] else { continue }
                        // A reader waiting on the views has not read since: our stall, not the platform's silence.
                        if let life = lives[id] { w.activity(at: life.delivering > 0 ? now : life.lastActivity) }
                        switch w.tick(now: now) {
                        case .none: break
                        case .sendPing: commands[id]?.yield(.ping)
                        case .stale: silent = id
                        }
                        watchdogs[id] = w
                        if silent != nil { break }
                    }
                    if let silent {
                        outcome.end = .stale
                        outcome.channel = silent
                        outcome.verdict = watchdogs[silent]?.verdict
                        outcome.sockets = watchdogs.count
                        break loop
                    }
                    if openedAt != nil { await rolloverIfDue(&machine, rest: rest, start: startSocket) }
                }
            }
            outcome.uptime = openedAt.map { .now - $0 } ?? .zero
            observer.upstreamLag(org: org.id, seconds: 0)
            await behind(nil)
            state.gate.withLock { $0.reset() }
            transcription.box.withLock { $0.machine.disconnected() }
            for c in commands.values {
                c.yield(.close)
                c.finish()
            }
            eventsOut.finish()
            group.cancelAll()
            return outcome
        }
    }

    /// Make-before-break: create and subscribe a replacement for each channel near expiry, then
    /// open its socket; the old socket closes when the new one is open.
    private func rolloverIfDue(_ machine: inout ChannelStateMachine, rest: GenesysRESTClient,
                               start: (ChannelStateMachine.Channel) -> Void) async {
        // `expires` is real wall-clock time (as on the platform), not business time: a sped-up demo clock must not
        // decide it (it never reached it, and channels were never rolled over there).
        for old in machine.dueForRollover(now: SystemClock.realNow()) {
            let transcription = state.transcription
            do {
                let created = ChannelStateMachine.Channel(try await rest.createChannel())
                // The static topics and the transcription topics it carries now; no call is placed on the old
                // channel until the replacement took over (TranscriptionTopicStateMachine.rollingOver), which then
                // gets the set again, so removals made meanwhile apply.
                let dynamic = transcription.box.withLock { s in
                    s.machine.rollingOver(old.id)
                    return s.machine.dynamicTopics(of: old.id)
                }
                try await rest.replaceSubscriptions(channel: created.id, topics: machine.topics(of: old.id) + dynamic)
                logger.info("rollover: replacement channel ready",
                            metadata: ["old": "\(Redaction.shortHash(old.id))", "new": "\(Redaction.shortHash(created.id))"])
                machine.replacementReady(for: old.id, created)
                start(created)
            } catch {
                transcription.box.withLock { $0.machine.rolloverFailed(old.id) }
                logger.warning("rollover failed; will retry", metadata: ["error": "\(error)"])
                return
            }
        }
    }

    /// One WebSocket to one channel: frames to the normalizer and the sink, pings and close on command.
    func runSocket(_ channel: ChannelStateMachine.Channel, commands: AsyncStream<SocketCommand>,
                   events: AsyncStream<SocketEvent>.Continuation) async {
        let connected = LockedBox(false)
        let maxSize = options.maxFrameSize
        var config = WebSocketClientConfiguration(maxFrameSize: maxSize, closeTimeout: .seconds(2))
        config.validateUTF8 = false
        let normalizer = NotificationNormalizer(org: org.id)
        // Pings written and pongs read on this socket, for `drainThenClose`; the reader yields on `pongs`.
        let pings = LockedBox(0)
        let (pongs, pongsOut) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
        do {
            let client = WebSocketClient(url: channel.connectUri, configuration: config, logger: logger) {
                inbound, outbound, _ in
                connected.withLock { $0 = true }
                events.yield(.opened(channel: channel.id))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await command in commands {
                            switch command {
                            case .ping:
                                pings.withLock { $0 += 1 }
                                try await outbound.write(.text(Self.pingMessage))
                            case .close: return
                            case .drainThenClose(let timeout):
                                let sent = pings.withLock { $0 += 1; return $0 }
                                try await outbound.write(.text(Self.pingMessage))
                                let began = ContinuousClock.now
                                let drained = await withTaskGroup(of: Bool.self) { wait in
                                    wait.addTask {
                                        for await n in pongs where n >= sent { return true }
                                        return false
                                    }
                                    wait.addTask {
                                        try? await Task.sleep(for: timeout)
                                        return false
                                    }
                                    let first = await wait.next() ?? false
                                    wait.cancelAll()
                                    return first
                                }
                                let ms = (ContinuousClock.now - began).milliseconds
                                self.logger.info(drained ? "rollover: old socket read to its last ping's answer"
                                                         : "rollover: old socket's ping not answered in time; closing it",
                                                 metadata: ["channel": "\(Redaction.shortHash(channel.id))", "ms": "\(ms)"])
                                return
                            }
                        }
                    }
                    group.addTask {
                        var answered = 0
                        for try await message in inbound.messages(maxSize: maxSize) {
                            let bytes: [UInt8]
                            switch message {
                            case .text(let s): bytes = Array(s.utf8)
                            case .binary(var b): bytes = b.readBytes(length: b.readableBytes) ?? []
                            }
                            let frame = normalizer.normalize(bytes, receivedAt: self.clock.now())
                            if case .pong = frame {
                                answered += 1
                                pongsOut.yield(answered)
                            }
                            if let end = await self.handle(frame, channel: channel.id) {
                                events.yield(.control(end, channel: channel.id))
                                return
                            }
                        }
                    }
                    _ = try await group.next()
                    group.cancelAll()
                }
            }
            try await client.run()
            events.yield(.closed(channel: channel.id, error: nil, connected: connected.value))
        } catch {
            events.yield(.closed(channel: channel.id, error: "\(error)", connected: connected.value))
        }
    }

    /// ``ChannelStateMachine/SessionStep/applyHeldOnBaseline``: the events held during the re-sync, applied on top of
    /// its baseline oldest first, in batches; events arriving meanwhile are held too, until the gate opens
    /// (``ResyncGate/release()``: a round of few events, or the last round).
    func applyHeldEvents() async {
        var applied = 0
        var open = false
        while !open {
            let batch: [BridgeEvent]
            (batch, open) = state.gate.withLock { ($0.release(), !$0.holding) }
            applied += batch.count
            let ordered = ResyncGate.ordered(batch, time: Self.eventTime)
            var start = 0
            while start < ordered.count {
                let end = min(start + 5_000, ordered.count)
                await sink.ingest(org: org.id, events: Array(ordered[start..<end]))
                start = end
            }
        }
        let overflowed = state.gate.withLock { $0.overflowed }
        logger.info("events held during the re-sync applied on its baseline",
                    metadata: ["events": "\(applied)", "deliveredAtOnce": "\(overflowed)"])
    }

    /// The platform time of an event the socket brings (for applying held events in order).
    public static func eventTime(_ event: BridgeEvent) -> Int64 {
        switch event {
        case .agentStatus(let e): e.at
        case .agentInteraction(let e): e.observedAt
        case .queueObservation(let e): e.at
        default: .min
        }
    }

    /// Acts on one frame; returns how the session must end for system messages that end it.
    private func handle(_ frame: NotificationFrame, channel: String) async -> ChannelStateMachine.SessionEnd? {
        let now = clock.now()
        state.box.withLock { $0.sockets[channel]?.handing(at: .now) }
        // Of a frame whose events the views took: how old its news was then (UpstreamLag), recorded with the rest.
        var handedAge: Int64?
        defer {
            state.box.withLock {
                $0.sockets[channel]?.handed(at: .now)
                if let age = handedAge, age < $0.handedAgeMs ?? .max { $0.handedAgeMs = age }
            }
        }
        switch frame {
        case .heartbeat:
            let s: ConnectorStatus = state.box.withLock {
                $0.status.lastHeartbeatAt = now
                return $0.status
            }
            await sink.ingest(org: org.id, events: [.connector(s)])
        case .pong, .systemOther, .ignored:
            break
        case .socketClosing:
            return .socketClosing
        case .noLongerSubscribed(let reason):
            logger.warning("no longer subscribed", metadata: ["reason": "\(reason ?? "-")"])
            return .noLongerSubscribed
        case .tokenRevoked:
            return .tokenRevoked
        case .events(let topic, let evs):
            if topic == .qualityEvaluations { state.qualityTrigger.fire() }
            if topic == .userConversations { state.transcription.observe(evs) }
            state.box.withLock { $0.status.lastEventAt = now }
            observer.upstreamEvent(org: org.id, topic: topic, events: evs.count)
            // Held while the session's re-sync reads the baseline (ResyncGate); one uncontended lock otherwise.
            if !evs.isEmpty, !state.gate.withLock({ $0.offer(evs) }) {
                await sink.ingest(org: org.id, events: evs)
                // How old the frame's news is now that the views have it (UpstreamLag): its status changes, which the
                // platform sends as they happen (a conversation snapshot is dated by its latest timestamp, which a later
                // update need not move; a queue observation by when we read it).
                var newest = Int64.min
                for e in evs { if case .agentStatus(let s) = e { newest = max(newest, s.at) } }
                if newest != .min { handedAge = clock.now() - newest }
            }
        case .transcripts(let evs):
            state.box.withLock { $0.status.lastEventAt = now }
            observer.upstreamEvent(org: org.id, topic: .conversationTranscription, events: evs.count)
            let fresh = state.transcription.received(evs)
            if !fresh.isEmpty { options.transcripts?.ingest(transcripts: fresh) }
        case .journeys(let topic, let evs):
            state.box.withLock { $0.status.lastEventAt = now }
            observer.upstreamEvent(org: org.id, topic: topic, events: evs.count)
            if !evs.isEmpty { options.journeys?.ingest(journeyEvents: evs) }
        case .malformed(let kind, let detail):
            let first = state.box.withLock { $0.malformed.record(kind: kind) }
            observer.malformedFrame(org: org.id, kind: kind)
            if first { logger.warning("malformed frame (logged once per kind)", metadata: ["kind": "\(kind)", "detail": "\(detail)"]) }
        }
        return nil
    }
}
