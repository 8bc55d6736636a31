import Foundation
import Logging
import SwitchboardCore

extension KeywordSpottingPool {
    /// One worker: takes its queue's jobs in order, one chunk at a time, yielding between chunks. Owns its
    /// decoders (`WorkerStreams`); nothing else touches them.
    func work(_ index: Int) async {
        var streams = WorkerStreams()
        for await _ in signals[index] {
            while let job = takeJob(worker: index) {
                handle(job, streams: &streams)
                if Task.isCancelled { break }
                await Task.yield()
            }
            if Task.isCancelled { break }
        }
        streams.all.removeAll()
    }

    /// The worker's next job, with its audio taken off the pool's and the interaction's backlog.
    func takeJob(worker: Int) -> PoolJob? {
        state.withLock { s in
            guard let job = s.queues[worker].popFirst() else { return nil }
            if case .audio(let key, let chunk) = job {
                let ms = chunk.durationMs
                s.queuedMs -= ms
                s.stats.queuedMs = s.queuedMs
                s.perOrg[key.org, default: KeywordSpottingPool.OrgStats()].queuedMs -= ms
                if var entry = s.interactions[key], entry.status == .active {
                    entry.backlogMs -= ms
                    s.interactions[key] = entry
                }
            }
            return job
        }
    }

    func handle(_ job: PoolJob, streams: inout WorkerStreams) {
        switch job {
        case .audio(let key, let chunk):
            metrics.queuedSeconds.record(Double(state.withLock { $0.queuedMs }) / 1000)
            spot(chunk, key: key, streams: &streams)
        case .end(let key):
            for channel in SpeechChannel.allCases {
                let streamKey = WorkerStreams.Key(interaction: key, channel: channel)
                guard let stream = streams.all.removeValue(forKey: streamKey) else { continue }
                do {
                    emit(try stream.spotter.finish(), stream: stream, key: streamKey)
                } catch {
                    failed(error, key: streamKey)
                }
            }
            for channel in SpeechChannel.allCases {
                streams.failed.remove(WorkerStreams.Key(interaction: key, channel: channel))
            }
            state.withLock { $0.stats.finished += 1 }
        case .drop(let key):
            for channel in SpeechChannel.allCases {
                let streamKey = WorkerStreams.Key(interaction: key, channel: channel)
                streams.all.removeValue(forKey: streamKey)
                streams.failed.remove(streamKey)
            }
        }
    }

    func spot(_ chunk: SpottingChunk, key: InteractionKey, streams: inout WorkerStreams) {
        let streamKey = WorkerStreams.Key(interaction: key, channel: chunk.channel)
        if streams.failed.contains(streamKey) { return }
        if streams.all[streamKey] == nil {
            guard let keywords = keywordSet(org: key.org, channel: chunk.channel) else { return }
            do {
                let spotter = try KeywordSpotter(keywords: keywords, model: model, inputSampleRate: chunk.sampleRate,
                                                 telephoneBand: configuration.telephoneBand, tuning: tuning)
                streams.all[streamKey] = SpottingStream(spotter: spotter, baseMs: chunk.offsetMs ?? 0)
            } catch {
                failed(error, key: streamKey)
                streams.failed.insert(streamKey)
                return
            }
        }
        let stream = streams.all[streamKey]!
        guard chunk.sampleRate == stream.spotter.inputSampleRate else {
            failed(KeywordSpotterError(code: "kws.bad-sample-rate", message: "a channel's audio changed sample rate "
                + "from \(stream.spotter.inputSampleRate) to \(chunk.sampleRate) Hz mid-stream; its spotting stopped"),
                key: streamKey)
            streams.all.removeValue(forKey: streamKey)
            streams.failed.insert(streamKey)
            return
        }
        if let offset = chunk.offsetMs { stream.follow(offset) }
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let detections = try stream.spotter.process(chunk.samples)
            emit(detections, stream: stream, key: streamKey)
        } catch {
            failed(error, key: streamKey)
            streams.all.removeValue(forKey: streamKey)
            streams.failed.insert(streamKey)
        }
        let busy = DispatchTime.now().uptimeNanoseconds - started
        metrics.busySeconds.increment(by: Double(busy) / 1e9)
        metrics.processedSeconds.increment(by: Double(chunk.durationMs) / 1000)
        state.withLock { $0.stats.processedMs += chunk.durationMs }
    }

    func emit(_ detections: [KeywordSpotter.Detection], stream: SpottingStream, key: WorkerStreams.Key) {
        guard !detections.isEmpty else { return }
        let at = clock.now()
        var events: [TranscriptEvent] = []
        for d in detections {
            for phrase in d.entry.phrases where phrase.accepts(key.channel) {
                events.append(.spotted(SpottedKeyword(
                    org: key.interaction.org, conversationID: key.interaction.conversationID, channel: key.channel,
                    phrase: phrase.phrase, label: phrase.label, offsetMs: stream.streamMs(decoderMs: d.startMs),
                    score: d.score, at: at)))
            }
        }
        guard !events.isEmpty else { return }
        metrics.detections.increment(by: events.count)
        state.withLock {
            $0.stats.detections += events.count
            $0.perOrg[key.interaction.org, default: KeywordSpottingPool.OrgStats()].detections += events.count
        }
        sink.ingest(transcripts: events)
    }

    func failed(_ error: any Error, key: WorkerStreams.Key) {
        let code = (error as? any CodedError)?.code ?? "kws.error"
        metrics.error(code)
        state.withLock { $0.stats.errors += 1 }
        logger.error("keyword spotting stopped for a channel: \(error)", metadata: [
            "org": "\(key.interaction.org)", "conversation": "\(key.interaction.conversationID)",
            "channel": "\(key.channel.rawValue)", "code": "\(code)"])
    }
}

/// A worker's decoders, by interaction and channel.
struct WorkerStreams {
    struct Key: Hashable {
        var interaction: InteractionKey
        var channel: SpeechChannel
    }

    var all: [Key: SpottingStream] = [:]
    /// Channels whose spotter could not start or failed: their audio is skipped until the interaction ends.
    var failed: Set<Key> = []
}

/// One channel's decoder and the map from its fed time to stream time (jumps in the chunks' offsets).
final class SpottingStream {
    let spotter: KeywordSpotter
    /// (decoder ms, stream ms) pairs: from decoder time `.0` on, stream time is `.1 + (t − .0)`.
    private var anchors: [(decoderMs: Int64, streamMs: Int64)]

    init(spotter: KeywordSpotter, baseMs: Int64) {
        self.spotter = spotter
        anchors = [(0, baseMs)]
    }

    /// A chunk starting at stream time `offsetMs` is about to be fed: remember a jump of more than 20 ms.
    func follow(_ offsetMs: Int64) {
        let fed = spotter.fedMs
        let expected = streamMs(decoderMs: fed)
        guard abs(offsetMs - expected) > 20 else { return }
        anchors.append((fed, offsetMs))
        // Detections are reported within seconds; anchors older than a few minutes are never needed again.
        if anchors.count > 64 { anchors.removeFirst(anchors.count - 64) }
    }

    func streamMs(decoderMs: Int64) -> Int64 {
        var anchor = anchors[0]
        for a in anchors where a.decoderMs <= decoderMs { anchor = a }
        return anchor.streamMs + (decoderMs - anchor.decoderMs)
    }
}
