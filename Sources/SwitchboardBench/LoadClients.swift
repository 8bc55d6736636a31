import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization
import SwitchboardCore

// Downstream load clients.
//
// Why not HummingbirdWSClient's `WebSocketClient`: it runs one Swift task and one async frame iterator
// per connection and decodes into `String`s; with 1,000–10,000 clients on 2 cores shared with the
// bridge, the clients would cost more CPU than the hub they measure. Here each client is one NIO
// channel with swift-nio's own HTTP upgrader and WebSocket frame decoder (nothing hand-rolled on the
// wire) and a handler that only counts bytes and frames. A few "sample" clients also reassemble and
// parse messages to measure age at delivery. Clients run in a child process, so the server side's
// RSS and CPU are its own.

/// Counters shared by every client of this process.
final class ClientTotals: Sendable {
    let connected = Atomic<Int>(0)
    let upgraded = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    let closed = Atomic<Int>(0)
    let messages = Atomic<Int>(0)
    let bytes = Atomic<Int>(0)
    let snapshots = Atomic<Int>(0)
    let deltas = Atomic<Int>(0)
    let slowConsumer = Atomic<Int>(0)
    let ages = Mutex<[Double]>([])
    /// Delta `at` (hub flush time) − stateSince: upstream + views + hub staging.
    let flushAges = Mutex<[Double]>([])
    /// Receive time − delta `at`: hub queue + socket + client.
    let wireAges = Mutex<[Double]>([])
    let measuring = Atomic<Bool>(false)
    /// Late changes logged so far (a change whose flush age is past ``lateMs``; at most ``lateLogLimit``), so a
    /// tail in the ages can be looked at: the agent's record as delivered, its old and new `stateSince`.
    let lateLogged = Atomic<Int>(0)
    static let lateMs: Int64 = 10_000
    static let lateLogLimit = 12
    /// Deltas as sent (inflated), kept by the first sample client while measuring: what compression with
    /// and without context takeover would make of them (at most ``collectLimit``).
    let collected = Mutex<[[UInt8]]>([])
    static let collectLimit = 400
    init() {}
}

/// Counts frames and bytes; answers pings; sample clients parse agent `stateSince` for age at delivery.
final class CountingClientHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let totals: ClientTotals
    let subscribe: String?
    /// Subscribe with `"patches":true` (field-level deltas, docs/protocol.md "Patches").
    let patches: Bool
    /// Subscribe with this `"select"` (JSON; docs/protocol.md "Selecting kinds and fields"), when given.
    let select: String?
    let sample: Bool
    /// Keeps deltas for the context-takeover comparison (the first sample client).
    let collects: Bool
    private var partial: [UInt8] = []
    private var partialIsText = false
    /// The message being received was compressed (RSV1 on its first frame: permessage-deflate).
    private var compressed = false
    private var lastSince: [String: Int64] = [:]

    init(totals: ClientTotals, subscribe: String?, patches: Bool = false, select: String? = nil, sample: Bool,
         collects: Bool = false) {
        self.totals = totals
        self.subscribe = subscribe
        self.patches = patches
        self.select = select
        self.sample = sample
        self.collects = collects
    }

    func handlerAdded(context: ChannelHandlerContext) {
        totals.upgraded.add(1, ordering: .relaxed)
        if let topic = subscribe {
            var buf = context.channel.allocator.buffer(capacity: 64)
            buf.writeString(#"{"op":"subscribe","topic":"\#(topic)""# + (patches ? #","patches":true"# : "")
                            + (select.map { #","select":\#($0)"# } ?? "") + "}")
            let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: buf)
            context.writeAndFlush(NIOAny(frame), promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        totals.closed.add(1, ordering: .relaxed)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
            context.writeAndFlush(NIOAny(pong), promise: nil)
            return
        case .connectionClose:
            context.close(promise: nil)
            return
        case .text, .continuation, .binary:
            break
        default:
            return
        }
        let n = frame.data.readableBytes
        totals.bytes.add(n, ordering: .relaxed)
        if frame.opcode != .continuation {
            partialIsText = frame.opcode == .text
            compressed = frame.rsv1
        }
        if frame.fin { totals.messages.add(1, ordering: .relaxed) }
        // Cheap classification on the first fragment: the type is the first field the hub writes (a
        // compressed message: its first bytes inflated).
        if frame.opcode == .text {
            let head = compressed ? String(decoding: DeflatePeek.inflate(Array(frame.data.readableBytesView), limit: 24), as: UTF8.self)
                : frame.data.getString(at: frame.data.readerIndex, length: min(n, 24)) ?? ""
            if head.hasPrefix(#"{"type":"delta""#) { totals.deltas.add(1, ordering: .relaxed) }
            else if head.hasPrefix(#"{"type":"snapshot""#) { totals.snapshots.add(1, ordering: .relaxed) }
            else if head.hasPrefix(#"{"type":"error""#) {
                let s = compressed ? String(decoding: DeflatePeek.inflate(Array(frame.data.readableBytesView)), as: UTF8.self)
                    : frame.data.getString(at: frame.data.readerIndex, length: n) ?? ""
                if s.contains("slow-consumer") { totals.slowConsumer.add(1, ordering: .relaxed) }
            }
        }
        guard sample, partialIsText else { return }
        partial.append(contentsOf: frame.data.readableBytesView)
        if frame.fin {
            let receivedAt = Proc.wallMillis
            examine(compressed ? DeflatePeek.inflate(partial) : partial, receivedAt: receivedAt)
            partial.removeAll(keepingCapacity: false)
        }
    }

    /// Snapshot: each agent's baseline `stateSince`. Delta (first sighting of an agent without a baseline
    /// sets one): for each agent whose `stateSince` moved, age = receive wall time − new `stateSince` (the
    /// upstream event time, on the wall clock that simulator and bridge share). A byte scanner, not
    /// JSONSerialization, so sample clients stay cheap.
    private func examine(_ bytes: [UInt8], receivedAt: Double) {
        if bytes.starts(with: Self.snapshotPrefix) {
            // Baselines from the snapshot's agents (`{"id":"org/…",…,"stateSince":"…"}`).
            var i = 0
            while let idPos = Self.find(Self.plainIDKey, in: bytes, from: i) {
                guard let id = Self.stringValue(bytes, at: idPos) else { break }
                i = idPos + id.utf8.count
                guard let sincePos = Self.find(Self.sinceKey, in: bytes, from: i) else { break }
                if let next = Self.find(Self.plainIDKey, in: bytes, from: i), next < sincePos { continue }
                i = sincePos
                if let s = Self.stringValue(bytes, at: sincePos), let t = Timestamp.parse(s) { lastSince[id] = t }
            }
            return
        }
        guard bytes.starts(with: Self.deltaPrefix) else { return }
        let measuring = totals.measuring.load(ordering: .relaxed)
        if measuring, collects {
            totals.collected.withLock { if $0.count < ClientTotals.collectLimit { $0.append(bytes) } }
        }
        var ages: [Double] = []
        var flushAges: [Double] = []
        let at = Self.find(Self.atKey, in: bytes, from: 0).flatMap { Self.stringValue(bytes, at: $0) }
            .flatMap { Timestamp.parse($0) }
        if measuring, let at { totals.wireAges.withLock { $0.append(receivedAt - Double(at)) } }
        var i = 0
        while let idPos = Self.find(Self.agentKey, in: bytes, from: i) {
            guard let id = Self.stringValue(bytes, at: idPos) else { break }
            i = idPos + id.utf8.count
            guard let sincePos = Self.find(Self.sinceKey, in: bytes, from: i) else { break }
            let next = Self.find(Self.agentKey, in: bytes, from: i)
            if let next, next < sincePos { continue }
            i = sincePos
            guard let s = Self.stringValue(bytes, at: sincePos), let t = Timestamp.parse(s) else { continue }
            let previous = lastSince[id]
            lastSince[id] = t
            if let p = previous, t > p, measuring {
                ages.append(receivedAt - Double(t))
                if let at { flushAges.append(Double(at - t)) }
                if let at, at - t > ClientTotals.lateMs,
                   totals.lateLogged.wrappingAdd(1, ordering: .relaxed).oldValue < ClientTotals.lateLogLimit {
                    let record = String(decoding: bytes[max(0, idPos - 8)..<min(bytes.count, idPos + 360)], as: UTF8.self)
                    log("clients: late change: \(id) stateSince \(Timestamp.format(p)) → \(Timestamp.format(t)), "
                        + "delta at \(Timestamp.format(at)) (flush age \(at - t) ms): …\(record)…")
                }
            }
        }
        if !ages.isEmpty { totals.ages.withLock { $0.append(contentsOf: ages) } }
        if !flushAges.isEmpty { totals.flushAges.withLock { $0.append(contentsOf: flushAges) } }
    }

    static let snapshotPrefix = Array(#"{"type":"snapshot""#.utf8)
    static let plainIDKey = Array(#"{"id":""#.utf8)
    static let deltaPrefix = Array(#"{"type":"delta""#.utf8)
    static let atKey = Array(#""at":""#.utf8)
    static let agentKey = Array(#"{"kind":"agents","id":""#.utf8)
    static let sinceKey = Array(#""stateSince":""#.utf8)

    /// Index just past the first occurrence of `needle` at or after `from`.
    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard needle.count <= hay.count else { return nil }
        var i = from
        let last = hay.count - needle.count
        let first = needle[0]
        while i <= last {
            if hay[i] == first {
                var j = 1
                while j < needle.count && hay[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i + needle.count }
            }
            i += 1
        }
        return nil
    }

    /// The string from `start` to the next quote (ids and timestamps have no escapes).
    static func stringValue(_ bytes: [UInt8], at start: Int) -> String? {
        var j = start
        while j < bytes.count && bytes[j] != UInt8(ascii: "\"") { j += 1 }
        guard j < bytes.count else { return nil }
        return String(decoding: bytes[start..<j], as: UTF8.self)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// Sends the upgrade request once the channel is active.
final class UpgradeRequestHandler: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart
    let host: String
    let uri: String
    let totals: ClientTotals
    let deflate: Bool
    init(host: String, uri: String, totals: ClientTotals, deflate: Bool) {
        self.host = host
        self.uri = uri
        self.totals = totals
        self.deflate = deflate
    }
    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host)
        headers.add(name: "Content-Length", value: "0")
        // Browsers offer compression; so do the load clients unless told not to (`--deflate 0`).
        if deflate { headers.add(name: "Sec-WebSocket-Extensions", value: "permessage-deflate; client_max_window_bits") }
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A response here means the upgrade was refused.
        if case .head(let h) = unwrapInboundIn(data) {
            log("upgrade refused: \(h.status.code)")
            totals.failed.add(1, ordering: .relaxed)
        }
        context.close(promise: nil)
    }
}

/// Opens `count` clients against `host:port`, `ramp` clients at a time.
struct LoadClientPool {
    let group: MultiThreadedEventLoopGroup
    let totals = ClientTotals()
    var channels: [any Channel] = []

    init(threads: Int) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
    }

    mutating func connect(host: String, port: Int, uri: String, count: Int, subscribe: String?, samples: Int,
                          batch: Int = 100, deflate: Bool = true, patches: Bool = false, select: String? = nil) async {
        var opened = 0
        while opened < count {
            let n = min(batch, count - opened)
            var futures: [EventLoopFuture<any Channel>] = []
            for i in 0..<n {
                let sample = (opened + i) < samples
                let collects = sample && opened + i == 0
                let totals = self.totals
                let bootstrap = ClientBootstrap(group: group)
                    .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                    .channelInitializer { channel in
                        let handler = CountingClientHandler(totals: totals, subscribe: subscribe, patches: patches,
                                                            select: select, sample: sample, collects: collects)
                        let request = UpgradeRequestHandler(host: "\(host):\(port)", uri: uri, totals: totals, deflate: deflate)
                        let upgrader = NIOWebSocketClientUpgrader(
                            maxFrameSize: 1 << 24, automaticErrorHandling: false,
                            upgradePipelineHandler: { channel, _ in
                                channel.pipeline.addHandler(handler)
                            })
                        let config: NIOHTTPClientUpgradeConfiguration = (
                            upgraders: [upgrader],
                            completionHandler: { context in
                                context.pipeline.removeHandler(request, promise: nil)
                            })
                        return channel.pipeline.addHTTPClientHandlers(withClientUpgrade: config).flatMap {
                            channel.pipeline.addHandler(request)
                        }
                    }
                futures.append(bootstrap.connect(host: host, port: port))
            }
            for f in futures {
                do {
                    channels.append(try await f.get())
                    totals.connected.add(1, ordering: .relaxed)
                } catch {
                    totals.failed.add(1, ordering: .relaxed)
                }
            }
            opened += n
        }
    }

    func closeAll() async {
        for c in channels { try? await c.close() }
        try? await group.shutdownGracefully()
    }
}

/// `--child clients`: opens clients, waits for them to upgrade, measures for `duration` seconds after
/// `warmup`, prints one JSON object on stdout.
enum ClientsChild {
    static func run(_ opts: [String: String]) async {
        let host = opts["host"] ?? "127.0.0.1"
        let port = Int(opts["port"] ?? "0") ?? 0
        let count = Int(opts["count"] ?? "1000") ?? 1000
        let samples = Int(opts["samples"] ?? "0") ?? 0
        let warmup = Double(opts["warmup"] ?? "5") ?? 5
        let duration = Double(opts["duration"] ?? "10") ?? 10
        let threads = Int(opts["threads"] ?? "1") ?? 1
        let topic = opts["topic"].flatMap { $0 == "-" ? nil : $0 }
        let uri = "/v1/stream?access_token=\(opts["token"] ?? "bench")"
        var pool = LoadClientPool(threads: threads)
        let t0 = Proc.now
        let deflate = (opts["deflate"] ?? "1") != "0"
        // `--pace N`: N clients at a time, each group's snapshots in before the next (a large snapshot per client
        // would otherwise pile up in the server's memory while this one thread reads them).
        let pace = topic == nil ? 0 : Int(opts["pace"] ?? "0") ?? 0
        var opened = 0
        while opened < count {
            let n = pace > 0 ? min(pace, count - opened) : count
            await pool.connect(host: host, port: port, uri: uri, count: n, subscribe: topic, samples: max(0, samples - opened),
                               deflate: deflate, patches: opts["patches"] == "1", select: opts["select"])
            opened += n
            let t = pool.totals
            while pace > 0, Proc.now - t0 < 600, t.snapshots.load(ordering: .relaxed) + t.failed.load(ordering: .relaxed)
                + t.closed.load(ordering: .relaxed) < opened { try? await Task.sleep(for: .milliseconds(20)) }
        }
        // Wait for upgrades (and snapshots, when subscribed).
        let deadline = Proc.now + 120
        while Proc.now < deadline {
            let up = pool.totals.upgraded.load(ordering: .relaxed)
            let failed = pool.totals.failed.load(ordering: .relaxed)
            let snaps = pool.totals.snapshots.load(ordering: .relaxed)
            if up + failed >= count && (topic == nil || snaps >= up) { break }
            try? await Task.sleep(for: .milliseconds(100))
        }
        let connectSeconds = Proc.now - t0
        // Tell the parent we are connected (it reads stderr lines starting with READY).
        FileHandle.standardError.write(Data("READY \(pool.totals.upgraded.load(ordering: .relaxed))\n".utf8))
        // Several client processes measure one window: each waits for the parent's go (the file appears) first.
        if let go = opts["go-file"] {
            let until = Proc.now + 600
            while !FileManager.default.fileExists(atPath: go) && Proc.now < until { try? await Task.sleep(for: .milliseconds(20)) }
        }
        try? await Task.sleep(for: .seconds(warmup))
        let m0 = pool.totals.messages.load(ordering: .relaxed)
        let b0 = pool.totals.bytes.load(ordering: .relaxed)
        let d0 = pool.totals.deltas.load(ordering: .relaxed)
        let c0 = Proc.cpuSeconds
        pool.totals.measuring.store(true, ordering: .relaxed)
        let s0 = Proc.now
        try? await Task.sleep(for: .seconds(duration))
        pool.totals.measuring.store(false, ordering: .relaxed)
        let elapsed = Proc.now - s0
        let t = pool.totals
        let ages = t.ages.withLock { $0 }.sorted()
        let flushAgesSorted = t.flushAges.withLock { $0 }.sorted()
        let wireSorted = t.wireAges.withLock { $0 }.sorted()
        let kept = t.collected.withLock { $0 }
        let sizes = DeflatePeek.compressedSizes(kept)
        let out: [String: Double] = [
            "deltasKept": Double(kept.count),
            "deflateAloneRatio": sizes.plain > 0 ? Double(sizes.alone) / Double(sizes.plain) : -1,
            "deflateTakeoverRatio": sizes.plain > 0 ? Double(sizes.takeover) / Double(sizes.plain) : -1,
            "connected": Double(t.connected.load(ordering: .relaxed)),
            "upgraded": Double(t.upgraded.load(ordering: .relaxed)),
            "failed": Double(t.failed.load(ordering: .relaxed)),
            "closed": Double(t.closed.load(ordering: .relaxed)),
            "slowConsumer": Double(t.slowConsumer.load(ordering: .relaxed)),
            "connectSeconds": connectSeconds,
            "seconds": elapsed,
            "messagesPerSecond": Double(t.messages.load(ordering: .relaxed) - m0) / elapsed,
            "bytesPerSecond": Double(t.bytes.load(ordering: .relaxed) - b0) / elapsed,
            "deltasPerSecond": Double(t.deltas.load(ordering: .relaxed) - d0) / elapsed,
            "clientCPUSeconds": Proc.cpuSeconds - c0,
            "ageSamples": Double(ages.count),
            "ageP50": percentile(ages, 50), "ageP99": percentile(ages, 99), "ageP999": percentile(ages, 99.9),
            "ageMax": ages.last ?? .nan,
            "flushAgeP50": percentile(flushAgesSorted, 50), "flushAgeP99": percentile(flushAgesSorted, 99),
            "wireAgeP50": percentile(wireSorted, 50), "wireAgeP99": percentile(wireSorted, 99),
            "clientRSS": Double(Proc.rss),
        ]
        let json = try! JSONSerialization.data(withJSONObject: out.mapValues { $0.isNaN ? -1 : $0 }, options: [.sortedKeys])
        FileHandle.standardOutput.write(json)
        FileHandle.standardOutput.write(Data("\n".utf8))
        // Hold the connections until the parent has measured, when asked to.
        if let hold = Double(opts["hold"] ?? "0"), hold > 0 { try? await Task.sleep(for: .seconds(hold)) }
        await pool.closeAll()
    }
}
