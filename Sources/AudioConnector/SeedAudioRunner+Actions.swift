import Audio
import Foundation
import Logging
import OpusCodec
import SwitchboardCore

/// Carrying out the machines' actions: the connections' (sockets, requests, failures) and the interactions'
/// (speech events, decoding and analysis).
extension SeedAudioRunner {
    // MARK: Connections

    func perform(_ outputs: [SeedConnectionPool.Output], now: ContinuousClock.Instant, into spawns: inout [Spawn]) {
        for output in outputs {
            let connection = output.connection
            switch output.action {
            case .discover:
                spawns.append(.discover(connection: connection))
            case .connect(let uri):
                removeSocket(connection, close: true)
                nextSocket += 1
                let (commands, continuation) = AsyncStream.makeStream(of: SeedAudioConnector.SocketCommand.self)
                sockets[connection] = Socket(id: nextSocket, commands: continuation,
                                             reassembly: connector.configuration.reassembly)
                spawns.append(.socket(connection: connection, socket: nextSocket, uri: uri, commands: commands))
            case .subscribe(let subscription):
                sockets[connection]?.commands.yield(.text(SeedMessage.subscribe(subscription).json))
            case .unsubscribe(let id):
                sockets[connection]?.commands.yield(.text(SeedMessage.unsubscribe(subscriptionId: id).json))
            case .sendPing:
                sockets[connection]?.commands.yield(.ping)
            case .closeConnection:
                removeSocket(connection, close: true)
            case .scheduleRetry(let delay):
                logger.debug("audio connector retry scheduled", metadata: ["connection": "\(connection)",
                                                                          "retryIn": "\(delay.shortText)"])
            case .reportRegion(let region):
                logger.info("audio connector media region", metadata: ["region": "\(region)"])
                connector.updateStatus { $0.region = region }
                spawns.append(.region(region))
            case .fail(let failure):
                metrics.failed(code: failure.code)
                connector.updateStatus { $0.lastFailure = failure.code }
                if failure.isConfigurationProblem {
                    logger.error("audio connector connection failed", metadata: [
                        "connection": "\(connection)", "code": "\(failure.code)", "reason": "\(failure.message)"])
                } else {
                    logger.warning("audio connector connection failed", metadata: [
                        "connection": "\(connection)", "code": "\(failure.code)", "reason": "\(failure.message)"])
                }
            case .replan(let limit):
                logger.notice("the Audio Connector allows fewer subscriptions per connection; re-planning",
                              metadata: ["maxSubscriptionsPerConnection": "\(limit)"])
            }
        }
    }

    // MARK: Interactions

    func perform(_ actions: [SeedInteractionStateMachine.Action], now: ContinuousClock.Instant,
                 into spawns: inout [Spawn]) {
        for action in actions {
            switch action {
            case .open(let o):
                if !o.repeated { sessions += 1 }
                connector.sink.ingest(speech: [.opened(SpeechSessionOpened(
                    org: connector.org, session: Self.session(o.interaction), conversationID: o.interactionId,
                    openedAt: o.openedAt, channels: o.channels, agentID: o.hints.agentId, queueID: o.hints.queueId,
                    direction: o.hints.direction))])
            case .analyse(let id, let media):
                analyse(media, of: id)
            case .gap(let id, let duration):
                guard let a = audio(for: id) else { break }
                a.analyzer.gap(AudioHookDuration(nanoseconds: Self.nanoseconds(duration)))
                a.tapFeed?.gap(ns: Self.nanoseconds(duration))
            case .progress(let id, let paused):
                let metrics = audio[id]?.analyzer.metrics.speechMetrics ?? SpeechMetrics()
                connector.sink.ingest(speech: [.progress(SpeechSessionProgress(
                    org: connector.org, session: Self.session(id), at: connector.clock.now(), paused: paused,
                    metrics: metrics))])
            case .end(let id, let reason):
                sessions -= 1
                var metrics = SpeechMetrics()
                if let a = audio.removeValue(forKey: id) {
                    metrics = a.analyzer.finish().speechMetrics
                    a.tapFeed?.end()
                }
                connector.sink.ingest(speech: [.ended(SpeechSessionEnded(
                    org: connector.org, session: Self.session(id), at: connector.clock.now(), reason: reason.rawValue,
                    metrics: metrics))])
            case .lookup(let id):
                spawns.append(.lookup(id))
            }
        }
    }

    /// The speech session id of an interaction: `seed/<interactionId>`.
    static func session(_ id: UUID) -> String { "seed/" + id.uuidString.lowercased() }

    static func nanoseconds(_ d: Duration) -> Int64 {
        let (seconds, attoseconds) = d.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// The interaction's decoder and analyser, made on first use (stereo at the subscribed rate; the analyser's
    /// channels in the stream's order).
    private func audio(for id: UUID) -> InteractionAudio? {
        if let a = audio[id] { return a }
        do {
            let decoder = try OpusDecoder(sampleRate: sampleRate, channels: 2)
            let speechChannels = interactions.channels(of: id)
            let channels = speechChannels.map { $0 == .agent ? AudioChannel.internal : .external }
            // Asked once per interaction: an org without on-box spotting costs nothing more from here on.
            var feed: SpeechAudioTapFeed?
            if let tap = connector.tap, tap.listens(to: connector.org) {
                feed = SpeechAudioTapFeed(tap: tap, org: connector.org, conversationID: id.uuidString.lowercased(),
                                          channels: speechChannels, sampleRate: sampleRate)
            }
            let a = InteractionAudio(decoder: decoder, analyzer: VoiceActivityAnalyzer(
                channels: channels, rate: sampleRate, parameters: connector.configuration.analysis), tapFeed: feed)
            audio[id] = a
            return a
        } catch {
            logOnce("decoder", "an Opus decoder could not be made; the interaction's audio is not analysed",
                    ["error": "\(error)", "sampleRate": "\(sampleRate)"])
            return nil
        }
    }

    /// Decodes (or conceals) one item into the reused buffer and analyses it.
    private func analyse(_ media: SeedInteractionStateMachine.Media, of id: UUID) {
        guard let a = audio(for: id) else { return }
        switch media {
        case .packet(_, let bytes):
            do {
                try a.decoder.decode(bytes, into: &pcm)
                metrics.decoded.increment()
            } catch {
                // `opus.invalid-packet` (or any decoder failure): the packet is treated as lost.
                let code = (error as? OpusError)?.code ?? "opus.error"
                logOnce(code, "an Opus packet could not be decoded; it is concealed as lost", ["code": "\(code)"])
                conceal(a)
            }
        case .lost:
            conceal(a)
        case .skipped(_, let count):
            // A discontinuity: not concealed; a gap of the missing packets' duration, a fresh decoder state.
            let samples = Int64(a.decoder.lastPacketSamples) * Int64(count)
            a.decoder.reset()
            a.analyzer.gap(AudioHookDuration(samples: samples, rate: a.decoder.sampleRate))
            a.tapFeed?.gap(ns: samples * 1_000_000_000 / Int64(a.decoder.sampleRate))
            metrics.skipped.increment(by: Int(count))
            return
        }
        pcm.withUnsafeBufferPointer { samples in
            a.analyzer.process(samples: samples)
            a.tapFeed?.append(interleaved: samples)
        }
    }

    private func conceal(_ a: InteractionAudio) {
        metrics.lost.increment()
        do {
            try a.decoder.decodeLoss(samples: a.decoder.lastPacketSamples, into: &pcm)
        } catch {
            pcm.removeAll(keepingCapacity: true)
        }
    }
}
