import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization
import SwitchboardCore

/// Amazon EventBridge push mode: the detail events of the orgs with a key are POSTed as EventBridge events
/// (the platform's EventBridge integration envelope) to `<url>/<org>` — the bridge's `POST /v1/ingest/eventbridge/<org>` — in batches
/// (a JSON array; one object when the batch is 1) with the header `x-api-key`, as an EventBridge API
/// destination delivers them. A request answered 5xx (or 429), timed out or refused (the bridge is not up
/// yet) is retried with a doubling backoff, the batch kept at the head; a 4xx answer refuses the whole batch;
/// a 2xx answer's `refused` list counts those events refused. One request in flight per org.
final class SimEventBridgePusher: Sendable {
    struct Event: Sendable {
        let id: String
        let json: [UInt8]
    }

    private struct OrgQueue {
        var pending: [Event] = []
        var head = 0
        var sent: [Event] = []
        var duplicates = 0
        var stats = SimJourneyTruth.EventBridge()
        var attempts = 0
        var count: Int { pending.count - head }
    }

    private struct State {
        var target: SimEventBridgeOptions?
        var orgs: [String: OrgQueue] = [:]
    }

    private let state: Mutex<State>
    private let organizationIDs: [String: String]
    private let replayCount: Int

    init(target: SimEventBridgeOptions?, organizationIDs: [String: String], replayCount: Int) {
        state = Mutex(State(target: target))
        self.organizationIDs = organizationIDs
        self.replayCount = max(0, replayCount)
    }

    /// Sets (or, with nil, clears) where events go. Events already waiting stay and go to the new target.
    func setTarget(_ target: SimEventBridgeOptions?) {
        state.withLock { $0.target = target }
    }

    var target: SimEventBridgeOptions? { state.withLock { $0.target } }

    /// The counts of an org (nil for an org without journeys, or when no target names it and nothing was ever
    /// queued for it).
    func stats(org: String) -> SimJourneyTruth.EventBridge? {
        guard organizationIDs[org] != nil else { return nil }
        return state.withLock { s in
            guard var q = s.orgs[org] else { return s.target?.apiKeys[org] != nil ? SimJourneyTruth.EventBridge() : nil }
            q.stats.pending = q.count
            return q.stats
        }
    }

    /// Wraps detail events as EventBridge events and queues them for `org`.
    func enqueue(org: String, _ messages: [SimMessage]) {
        guard !messages.isEmpty else { return }
        let organizationID = organizationIDs[org] ?? org
        state.withLock { s in
            let suffix = s.target?.sourceSuffix ?? "switchboard"
            let cap = max(1, s.target?.maxPending ?? 20_000)
            var q = s.orgs[org] ?? OrgQueue()
            for m in messages {
                let id = UUID().uuidString.lowercased()
                q.pending.append(Event(id: id, json: Self.event(m, id: id, organizationID: organizationID, suffix: suffix)))
                q.stats.queued += 1
            }
            if q.count > cap {
                let drop = q.count - cap
                q.head += drop
                q.stats.dropped += drop
            }
            Self.compact(&q)
            s.orgs[org] = q
        }
    }

    /// `journey-duplicate` (the next `count` events are pushed twice) and `journey-replay` (the last events
    /// pushed are pushed again, the same ids).
    func inject(_ fault: SimJourneyFault, count: Int, org: String) -> String {
        state.withLock { s in
            guard s.target?.apiKeys[org] != nil else { return "" }
            var q = s.orgs[org] ?? OrgQueue()
            defer { s.orgs[org] = q }
            switch fault {
            case .duplicate:
                q.duplicates += count
                return "; next \(count) EventBridge event(s) pushed twice"
            case .replay:
                let again = q.sent.suffix(replayCount)
                q.pending.append(contentsOf: again)
                q.stats.duplicatesSent += again.count
                return "; \(again.count) EventBridge event(s) pushed again"
            default:
                return ""
            }
        }
    }

    /// Pushes until cancelled: one loop per org with journeys. Without any it still runs until cancelled (the
    /// simulator's run ends when any of its tasks does).
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            for org in organizationIDs.keys.sorted() {
                group.addTask { await self.loop(org: org) }
            }
            group.addTask {
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            }
        }
    }

    private func loop(org: String) async {
        while !Task.isCancelled {
            guard let next = nextBatch(org: org) else {
                try? await Task.sleep(for: .milliseconds(25))
                continue
            }
            let (batch, total, target, key, body) = next
            let outcome = await post(body, url: target.url.hasSuffix("/") ? target.url + org : target.url + "/" + org,
                                     key: key, timeout: target.timeout)
            let backoff = finish(org: org, batch: batch, events: total, outcome: outcome, target: target)
            if let backoff { try? await Task.sleep(for: backoff) }
        }
    }

    /// The next batch of `org` (left at the head until it is done): how many pending events it takes, how many
    /// events its body holds (with any copies), its target, key and body.
    private func nextBatch(org: String) -> (Int, Int, SimEventBridgeOptions, String, [UInt8])? {
        state.withLock { s in
            guard let target = s.target, let key = target.apiKeys[org], var q = s.orgs[org], q.count > 0 else { return nil }
            let n = min(max(1, target.batch), q.count)
            var events = Array(q.pending[q.head..<(q.head + n)])
            if q.duplicates > 0 {
                let twice = Array(events.prefix(q.duplicates))
                q.duplicates -= twice.count
                q.stats.duplicatesSent += twice.count
                events += twice
                // The copies go with this batch; they are not kept at the head.
                s.orgs[org] = q
            }
            var body: [UInt8] = []
            if target.batch <= 1 && events.count == 1 {
                body = events[0].json
            } else {
                body.append(UInt8(ascii: "["))
                for (i, e) in events.enumerated() {
                    if i > 0 { body.append(UInt8(ascii: ",")) }
                    body.append(contentsOf: e.json)
                }
                body.append(UInt8(ascii: "]"))
            }
            return (n, events.count, target, key, body)
        }
    }

    enum Outcome {
        case answered(status: Int, refused: Int)
        case failed
    }

    private func post(_ body: [UInt8], url: String, key: String, timeout: Duration) async -> Outcome {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "x-api-key", value: key)
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let ms = GenesysSimulator.millis(timeout)
            let response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(ms))
            let reply = try await response.body.collect(upTo: 1 << 20)
            var refused = 0
            if (200..<300).contains(Int(response.status.code)),
               let json = try? JSONSerialization.jsonObject(with: Data(reply.readableBytesView)) as? [String: Any],
               let list = json["refused"] as? [Any] {
                refused = list.count
            }
            return .answered(status: Int(response.status.code), refused: refused)
        } catch {
            return .failed
        }
    }

    /// Books a request's outcome; returns how long to wait before the next attempt (nil: go on).
    private func finish(org: String, batch n: Int, events total: Int, outcome: Outcome,
                        target: SimEventBridgeOptions) -> Duration? {
        state.withLock { s in
            guard var q = s.orgs[org] else { return nil }
            defer { s.orgs[org] = q }
            q.stats.requests += 1
            var retry = false
            switch outcome {
            case .answered(let status, let refused):
                q.stats.lastStatus = status
                if (200..<300).contains(status) {
                    q.stats.sent += total
                    q.stats.refused += refused
                } else if status == 429 || status >= 500 {
                    retry = true
                } else {
                    q.stats.refused += total
                }
            case .failed:
                q.stats.lastStatus = 0
                retry = true
            }
            if retry {
                q.stats.retries += 1
                q.attempts += 1
                let base = GenesysSimulator.millis(target.initialBackoff)
                let cap = GenesysSimulator.millis(target.maxBackoff)
                let wait = min(cap, base << min(20, q.attempts - 1))
                return .milliseconds(wait)
            }
            q.attempts = 0
            let done = q.pending[q.head..<min(q.pending.count, q.head + n)]
            q.sent.append(contentsOf: done)
            if q.sent.count > replayCount * 2 { q.sent.removeFirst(q.sent.count - replayCount) }
            q.head += done.count
            Self.compact(&q)
            return nil
        }
    }

    private static func compact(_ q: inout OrgQueue) {
        if q.head > 4096 && q.head * 2 > q.pending.count {
            q.pending.removeFirst(q.head)
            q.head = 0
        }
    }

    /// One EventBridge event (the platform's EventBridge integration envelope): `detail-type` is the topic with `{id}` for the
    /// conversation id, `detail.topicName` the topic itself.
    static func event(_ m: SimMessage, id: String, organizationID: String, suffix: String) -> [UInt8] {
        let parts = m.topic.split(separator: ".", omittingEmptySubsequences: false)
        var pattern = parts
        if pattern.count > 4 { pattern[4] = "{id}" }
        let second = Timestamp.format(m.at - ((m.at % 1000) + 1000) % 1000)
        var w = JSONWriter(capacity: m.body.count + 512)
        w.object { w in
            w.field("version", plain: "0")
            w.field("id", plain: id)
            w.field("detail-type", pattern.joined(separator: "."))
            w.field("source", "aws.partner/genesys.com/cloud/\(organizationID)/\(suffix)")
            w.field("account", plain: "000000000000")
            w.field("time", plain: second.replacingOccurrences(of: ".000Z", with: "Z"))
            w.field("region", plain: "us-east-1")
            w.array("resources") { _ in }
            w.object("detail") { w in
                w.field("topicName", m.topic)
                w.field("version", plain: "2")
                w.key("eventBody")
                w.raw(m.body)
                w.object("metadata") { w in w.field("CorrelationId", plain: id) }
                w.field("timestamp", time: m.at)
            }
        }
        return w.bytes
    }
}
