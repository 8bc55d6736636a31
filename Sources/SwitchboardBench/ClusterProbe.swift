import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization
import SwitchboardCore

/// The `cluster` scenario's stream clients: one per replica, subscribed to every org topic, with compression as
/// browsers offer it (uncompressed, three storm topics overflow a client's 1 MiB queue: the hub closed such a probe
/// with `slow-consumer`) and without patches (a text scan of the inflated message finds what is needed). Each keeps, on the monotonic clock of this process (the same for
/// every probe, so receive times on two replicas compare directly):
/// - the first receive time of every delta by topic, epoch and seq (the replicas share both, docs/scale-out.md),
///   for the age a delta gains crossing replicas;
/// - a timeline of `org:us`: each delta with the `us` org entity's status when the delta carries it, each alert
///   about `us` with its message, and each snapshot — the fail-over is read from it.
final class ClusterProbe: Sendable {
    struct Event: Sendable {
        enum Kind: Sendable { case delta(status: String?), alert(kind: String, message: String), snapshot }
        let at: Double
        let kind: Kind
    }

    let replica: String
    let topics: [String]
    /// "topic|epoch|seq" → first receive time (ms, monotonic).
    let deltas = Mutex<[String: Double]>([:])
    /// "topic|epoch|seq" → receive wall time − the delta's `at` (the leader's flush, on the wall clock every process
    /// here shares), ms: which side a crossing difference comes from.
    let wireAges = Mutex<[String: Double]>([:])
    /// "topic|epoch|seq" → the message's bytes (inflated): whether the slowest crossings are the largest deltas.
    let sizes = Mutex<[String: Int]>([:])
    let timeline = Mutex<[Event]>([])
    let watched: String
    private let group: MultiThreadedEventLoopGroup
    private let channel = Mutex<(any Channel)?>(nil)
    let upgraded = Atomic<Bool>(false)
    /// When the connection ended (ms, monotonic; 0 while open), and the error or close code that ended it.
    let closedAt = Atomic<Int64>(0)
    let closeReason = Mutex<String>("")

    /// Offer permessage-deflate (the storm window also runs probes without it, for comparison).
    let deflate: Bool

    init(replica: String, topics: [String], watched: String = "us", deflate: Bool = true, group: MultiThreadedEventLoopGroup) {
        self.replica = replica
        self.deflate = deflate
        self.topics = topics
        self.watched = watched
        self.group = group
    }

    /// Monotonic milliseconds (``Proc/now``).
    static var nowMs: Double { Proc.now * 1000 }

    func connect(port: Int, token: String) async throws {
        let host = "127.0.0.1"
        let totals = ClientTotals()
        let probe = self
        let bootstrap = ClientBootstrap(group: group).channelInitializer { channel in
            let request = UpgradeRequestHandler(host: "\(host):\(port)", uri: "/v1/stream?access_token=\(token)", totals: totals,
                                                deflate: probe.deflate)
            let upgrader = NIOWebSocketClientUpgrader(
                maxFrameSize: 1 << 26, automaticErrorHandling: false,
                upgradePipelineHandler: { channel, _ in channel.pipeline.addHandler(ClusterProbeHandler(probe: probe)) })
            let config: NIOHTTPClientUpgradeConfiguration = (
                upgraders: [upgrader], completionHandler: { context in context.pipeline.removeHandler(request, promise: nil) })
            return channel.pipeline.addHTTPClientHandlers(withClientUpgrade: config).flatMap { channel.pipeline.addHandler(request) }
        }
        let c = try await bootstrap.connect(host: host, port: port).get()
        channel.withLock { $0 = c }
    }

    func close() async {
        if let c = channel.withLock({ $0 }) { try? await c.close() }
    }

    /// The snapshots received on every topic (one per topic at subscription).
    var snapshotCount: Int { timeline.withLock { $0.filter { if case .snapshot = $0.kind { true } else { false } }.count } }

    /// Records one whole text message received at `at` (monotonic) and `wall` (epoch ms).
    func record(_ bytes: [UInt8], at: Double, wall: Double) {
        typealias H = CountingClientHandler
        guard let topic = H.find(Self.topicKey, in: bytes, from: 0).flatMap({ H.stringValue(bytes, at: $0) }) else {
            if bytes.starts(with: Self.alertPrefix) { recordAlert(bytes, at: at) }
            return
        }
        if bytes.starts(with: H.deltaPrefix) {
            guard let e = H.find(Self.epochKey, in: bytes, from: 0).flatMap({ H.stringValue(bytes, at: $0) }),
                  let s = H.find(Self.seqKey, in: bytes, from: 0).flatMap({ Self.number(bytes, at: $0) }) else { return }
            let key = "\(topic)|\(e)|\(s)"
            deltas.withLock { if $0[key] == nil { $0[key] = at } }
            sizes.withLock { if $0[key] == nil { $0[key] = bytes.count } }
            if let a = H.find(H.atKey, in: bytes, from: 0).flatMap({ H.stringValue(bytes, at: $0) }).flatMap({ Timestamp.parse($0) }) {
                wireAges.withLock { if $0[key] == nil { $0[key] = wall - Double(a) } }
            }
            guard topic == "org:\(watched)" else { return }
            var status: String?
            if let o = H.find(Array(#"{"kind":"orgs","id":"\#(watched)""#.utf8), in: bytes, from: 0),
               let p = H.find(Self.statusKey, in: bytes, from: o) {
                let next = H.find(Self.changeKey, in: bytes, from: o)
                if next == nil || p < next! { status = H.stringValue(bytes, at: p) }
            }
            timeline.withLock { $0.append(Event(at: at, kind: .delta(status: status))) }
        } else if bytes.starts(with: H.snapshotPrefix) {
            if topic == "org:\(watched)" { timeline.withLock { $0.append(Event(at: at, kind: .snapshot)) } }
        } else if bytes.starts(with: Self.alertPrefix) {
            recordAlert(bytes, at: at)
        }
    }

    private func recordAlert(_ bytes: [UInt8], at: Double) {
        guard let o = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any],
              o["org"] as? String == watched, let kind = o["kind"] as? String else { return }
        // An alert goes out on every subscribed topic it concerns (org:us and global); keep one per transition.
        if let topic = o["topic"] as? String, topic != "org:\(watched)" { return }
        timeline.withLock { $0.append(Event(at: at, kind: .alert(kind: kind, message: o["message"] as? String ?? ""))) }
    }

    static let topicKey = Array(#""topic":""#.utf8)
    static let epochKey = Array(#""epoch":""#.utf8)
    static let seqKey = Array(#""seq":"#.utf8)
    static let statusKey = Array(#""status":""#.utf8)
    static let changeKey = Array(#"{"kind":""#.utf8)
    static let alertPrefix = Array(#"{"type":"alert""#.utf8)

    static func number(_ bytes: [UInt8], at start: Int) -> Int? {
        var j = start, v = 0
        while j < bytes.count, bytes[j] >= 48, bytes[j] <= 57 {
            v = v * 10 + Int(bytes[j] - 48)
            j += 1
        }
        return j > start ? v : nil
    }

    // MARK: Reading the records

    /// For every delta of `topic` that the leader's probe and `follower` both received between `from` and `to`
    /// (the leader's receive time): the follower's receive time minus the leader's, in ms.
    static func crossing(leader: ClusterProbe, follower: ClusterProbe, topic: String, from: Double, to: Double) -> [Double] {
        crossingWithSizes(leader: leader, follower: follower, topic: topic, from: from, to: to).map(\.ms)
    }

    /// ``crossing(leader:follower:topic:from:to:)`` with each delta's size in bytes (as the leader's probe got it).
    static func crossingWithSizes(leader: ClusterProbe, follower: ClusterProbe, topic: String, from: Double,
                                  to: Double) -> [(ms: Double, bytes: Int)] {
        let l = leader.deltas.withLock { $0 }, f = follower.deltas.withLock { $0 }, sizes = leader.sizes.withLock { $0 }
        let prefix = topic + "|"
        return l.compactMap { key, t in
            guard key.hasPrefix(prefix), t >= from, t <= to, let tf = f[key] else { return nil }
            return (tf - t, sizes[key] ?? 0)
        }
    }

    /// The wire ages (receive − `at`) of `topic`'s deltas received between `from` and `to` (monotonic ms) by this
    /// probe, restricted to the keys `only` holds when given.
    func wireAges(topic: String, from: Double, to: Double, only: [String: Double]? = nil) -> [Double] {
        let received = deltas.withLock { $0 }, ages = wireAges.withLock { $0 }
        return ages.compactMap { key, age in
            guard key.hasPrefix(topic + "|"), let t = received[key], t >= from, t <= to else { return nil }
            if let only, only[key] == nil { return nil }
            return age
        }
    }

    /// The fail-over as this probe saw it, in seconds after `killedAt` (ms): the first `upstream-stale` alert of
    /// the watched org, the first `upstream-recovered` (any), the new leader's ("open again, led by replica …"), the
    /// first delta after that one, the first delta showing the org entity `open` after one showing it otherwise
    /// (`openDelta`), the first delta at all, and the snapshots received. `openAgain`, the figure: the first delta
    /// showing the org entity `open` received after this probe's first `upstream-stale` (else 0.5 s after the kill:
    /// rows the dead leader wrote before it died reach a follower within tens of milliseconds), so from the new
    /// leader.
    func failover(killedAt: Double) -> [String: Double] {
        let events = timeline.withLock { $0 }.filter { $0.at >= killedAt }
        var out: [String: Double] = [:]
        func s(_ t: Double) -> Double { (t - killedAt) / 1000 }
        var recovered: Double?, sawNotOpen = false, staleAt: Double?
        for e in events {
            switch e.kind {
            case .alert(let kind, let message):
                if kind == "upstream-stale", out["staleAlert"] == nil {
                    out["staleAlert"] = s(e.at)
                    staleAt = e.at
                }
                if kind == "upstream-recovered", out["recoveredAny"] == nil { out["recoveredAny"] = s(e.at) }
                if kind == "upstream-recovered", message.contains("open again"), recovered == nil {
                    recovered = e.at
                    out["recoveredAlert"] = s(e.at)
                }
            case .delta(let status):
                if out["firstDelta"] == nil { out["firstDelta"] = s(e.at) }
                if recovered != nil, out["deltaAfterRecovered"] == nil { out["deltaAfterRecovered"] = s(e.at) }
                if status == "open", out["openAgain"] == nil, e.at >= (staleAt ?? killedAt + 500) { out["openAgain"] = s(e.at) }
                if let status {
                    if status != "open" {
                        sawNotOpen = true
                        if out["notOpenDelta"] == nil { out["notOpenDelta"] = s(e.at) }
                    } else if sawNotOpen, out["openDelta"] == nil {
                        out["openDelta"] = s(e.at)
                    }
                }
            case .snapshot:
                out["snapshots", default: 0] += 1
            }
        }
        return out
    }
}

/// Answers pings, reassembles text messages and hands each to its probe with its receive time.
final class ClusterProbeHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame
    let probe: ClusterProbe
    private var partial: [UInt8] = []
    /// The message being received was compressed (RSV1 on its first frame).
    private var compressed = false

    init(probe: ClusterProbe) { self.probe = probe }

    func handlerAdded(context: ChannelHandlerContext) {
        probe.upgraded.store(true, ordering: .relaxed)
        for topic in probe.topics {
            var buf = context.channel.allocator.buffer(capacity: 64)
            buf.writeString(#"{"op":"subscribe","topic":"\#(topic)"}"#)
            context.write(NIOAny(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: buf)), promise: nil)
        }
        context.flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .ping:
            context.writeAndFlush(NIOAny(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)),
                                  promise: nil)
        case .connectionClose:
            var data = frame.unmaskedData
            let code = data.readInteger(as: UInt16.self).map(String.init) ?? "?"
            let text = data.readString(length: data.readableBytes) ?? ""
            probe.closeReason.withLock { $0 = "close frame \(code) \(text)" }
            context.close(promise: nil)
        case .text, .continuation:
            if frame.opcode == .text { compressed = frame.rsv1 }
            partial.append(contentsOf: frame.data.readableBytesView)
            if frame.fin {
                let at = ClusterProbe.nowMs, wall = Proc.wallMillis
                probe.record(compressed ? DeflatePeek.inflate(partial) : partial, at: at, wall: wall)
                partial.removeAll(keepingCapacity: true)
            }
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        probe.closedAt.store(Int64(ClusterProbe.nowMs), ordering: .relaxed)
        log("cluster: probe on \(probe.replica) closed (\(probe.closeReason.withLock { $0 }))")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        probe.closeReason.withLock { $0 = "error \(error)" }
        context.close(promise: nil)
    }
}
