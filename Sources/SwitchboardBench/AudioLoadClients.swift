import Audio
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization
import SwitchboardCore

// The Genesys side of the `audio` scenario: N signed AudioHook sessions, each streaming 200 ms frames of
// stereo PCMU in real time. One NIO channel per session (swift-nio's HTTP upgrader and WebSocket codec,
// as LoadClients), paced by an absolute schedule per session — frame k is due at t0 + 200 ms × k, so
// a sender that falls behind shows as lateness instead of silently stretching time. Every frame's
// actual send time (CLOCK_MONOTONIC, which the server child reads too) is logged for the join with
// the sink's progress reports.

/// Per-session send times, shared by the handlers of this process.
final class AudioSendLog: Sendable {
    struct Session: Sendable {
        /// When frame 0 was due (monotonic seconds); frame k is due at `t0 + 0.2 k`.
        var t0: Double = -1
        var sends: [Double] = []
    }
    let sessions: Mutex<[Session]>
    let upgraded = Atomic<Int>(0)
    let opened = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    let closed = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)

    init(capacity: Int) { sessions = Mutex([Session](repeating: Session(), count: capacity)) }

    /// Binary file: per session `Int64 count, Double t0, count × Double`.
    func write(to path: String, count: Int) throws {
        var data = Data()
        sessions.withLock { all in
            for s in all.prefix(count) {
                var n = Int64(s.sends.count), t0 = s.t0
                withUnsafeBytes(of: &n) { data.append(contentsOf: $0) }
                withUnsafeBytes(of: &t0) { data.append(contentsOf: $0) }
                s.sends.withUnsafeBytes { data.append(contentsOf: $0) }
            }
        }
        try data.write(to: URL(fileURLWithPath: path))
    }

    static func read(_ path: String) -> [Session] {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)) else { return [] }
        var out: [Session] = []
        data.withUnsafeBytes { raw in
            var i = 0
            while i + 16 <= raw.count {
                let n = Int(raw.loadUnaligned(fromByteOffset: i, as: Int64.self))
                let t0 = raw.loadUnaligned(fromByteOffset: i + 8, as: Double.self)
                i += 16
                var sends = [Double]()
                sends.reserveCapacity(n)
                for k in 0..<n { sends.append(raw.loadUnaligned(fromByteOffset: i + 8 * k, as: Double.self)) }
                i += 8 * n
                out.append(Session(t0: t0, sends: sends))
            }
        }
        return out
    }
}

/// One session after the upgrade: sends `open`, waits for any text reply (`opened`), then streams.
final class AudioStreamHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let index: Int
    let log: AudioSendLog
    private var started = false
    private var k = 0
    private var t0 = NIODeadline.now()
    private let maskKey: WebSocketMaskingKey = .random()
    /// Where in the 30 s loop this session starts, so sessions do not talk in lockstep.
    private let offset: Int

    init(index: Int, log: AudioSendLog) {
        self.index = index
        self.log = log
        offset = (index * 37) % SyntheticCall.frames.count
    }

    func handlerAdded(context: ChannelHandlerContext) {
        log.upgraded.add(1, ordering: .relaxed)
        var buf = context.channel.allocator.buffer(capacity: 512)
        buf.writeString(SyntheticCall.openMessage(index))
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, maskKey: maskKey, data: buf)), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !log.stopping.load(ordering: .relaxed) { log.closed.add(1, ordering: .relaxed) }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: maskKey, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            context.close(promise: nil)
        case .text where !started:
            started = true
            log.opened.add(1, ordering: .relaxed)
            t0 = .now()
            let t0Seconds = Proc.now
            log.sessions.withLock { $0[index].t0 = t0Seconds }
            sendNext(channel: context.channel)
        default:
            break
        }
    }

    /// Sends frame k (late or not) and schedules frame k+1 at its absolute due time.
    private func sendNext(channel: any Channel) {
        guard channel.isActive, !log.stopping.load(ordering: .relaxed) else { return }
        let frames = SyntheticCall.frames
        let bytes = frames[(offset + k) % frames.count]
        var buf = channel.allocator.buffer(capacity: bytes.count)
        buf.writeBytes(bytes)
        let sentAt = Proc.now
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .binary, maskKey: maskKey, data: buf), promise: nil)
        log.sessions.withLock { $0[index].sends.append(sentAt) }
        k += 1
        let due = t0 + .milliseconds(SyntheticCall.frameMs * Int64(k))
        channel.eventLoop.scheduleTask(deadline: due) { [self] in sendNext(channel: channel) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// Sends the signed upgrade request once the channel is active; a response means a refusal.
final class AudioUpgradeRequestHandler: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart
    let authority: String
    let index: Int
    let log: AudioSendLog

    init(authority: String, index: Int, log: AudioSendLog) {
        self.authority = authority
        self.index = index
        self.log = log
    }

    func channelActive(context: ChannelHandlerContext) {
        let sessionId = SyntheticCall.sessionId(index)
        let correlationId = UUID().uuidString.lowercased()
        let apiKey = SyntheticCall.credentials.apiKey.reveal()
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: authority)
        headers.add(name: "Content-Length", value: "0")
        headers.add(name: "Audiohook-Organization-Id", value: SyntheticCall.organizationId)
        headers.add(name: "Audiohook-Session-Id", value: sessionId)
        headers.add(name: "Audiohook-Correlation-Id", value: correlationId)
        headers.add(name: "X-API-KEY", value: apiKey)
        let nonce = Data((0..<18).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        for (name, value) in AudioHookSignature.signUpgrade(
            target: AudioHookServer.path, authority: authority, organizationId: SyntheticCall.organizationId,
            sessionId: sessionId, correlationId: correlationId, credentials: SyntheticCall.credentials, nonce: nonce,
            created: Int64(Date().timeIntervalSince1970)) {
            headers.add(name: name, value: value)
        }
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: AudioHookServer.path, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let h) = unwrapInboundIn(data) {
            log.failed.add(1, ordering: .relaxed)
            FileHandle.standardError.write(Data("[bench] audio upgrade refused: \(h.status.code)\n".utf8))
        }
        context.close(promise: nil)
    }
}

/// `--child audio-load`: ramps signed sessions through `--steps` (cumulative), holding each step for
/// `--warmup` + `--measure` seconds; prints one JSON object with each step's measuring window
/// (monotonic seconds) and counts, and writes every frame's send time to `--sends`.
enum AudioLoadChild {
    static func run(_ opts: [String: String]) async {
        let port = Int(opts["port"] ?? "0") ?? 0
        let steps = (opts["steps"] ?? "250").split(separator: ",").compactMap { Int($0) }
        let warmup = Double(opts["warmup"] ?? "3") ?? 3
        let measure = Double(opts["measure"] ?? "10") ?? 10
        let threads = Int(opts["threads"] ?? "1") ?? 1
        let sendsPath = opts["sends"] ?? "/tmp/switchboard-bench-audio-sends.bin"
        let maxN = steps.max() ?? 0
        let log = AudioSendLog(capacity: maxN)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let authority = "127.0.0.1:\(port)"
        var channels: [any Channel] = []
        var out: [String: Double] = ["steps": Double(steps.count)]
        var have = 0
        for (i, n) in steps.enumerated() {
            let r0 = Proc.now
            // Open the new sessions 50 at a time (each upgrade is verified: HMAC, replay cache).
            while have < n {
                let batch = min(50, n - have)
                var futures: [EventLoopFuture<any Channel>] = []
                for j in have..<(have + batch) {
                    let bootstrap = ClientBootstrap(group: group)
                        .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                        .channelInitializer { channel in
                            let request = AudioUpgradeRequestHandler(authority: authority, index: j, log: log)
                            let upgrader = NIOWebSocketClientUpgrader(
                                maxFrameSize: 1 << 16, automaticErrorHandling: false,
                                upgradePipelineHandler: { channel, _ in
                                    channel.pipeline.addHandler(AudioStreamHandler(index: j, log: log))
                                })
                            let config: NIOHTTPClientUpgradeConfiguration = (
                                upgraders: [upgrader],
                                completionHandler: { context in context.pipeline.removeHandler(request, promise: nil) })
                            return channel.pipeline.addHTTPClientHandlers(withClientUpgrade: config).flatMap {
                                channel.pipeline.addHandler(request)
                            }
                        }
                    futures.append(bootstrap.connect(host: "127.0.0.1", port: port))
                }
                for f in futures {
                    do { channels.append(try await f.get()) } catch { log.failed.add(1, ordering: .relaxed) }
                }
                have += batch
            }
            let deadline = Proc.now + 60
            while log.opened.load(ordering: .relaxed) + log.failed.load(ordering: .relaxed) < n && Proc.now < deadline {
                try? await Task.sleep(for: .milliseconds(50))
            }
            let rampSeconds = Proc.now - r0
            try? await Task.sleep(for: .seconds(warmup))
            let c0 = Proc.cpuSeconds
            let start = Proc.now
            try? await Task.sleep(for: .seconds(measure))
            let end = Proc.now
            let p = "s\(i)."
            out[p + "n"] = Double(n)
            out[p + "start"] = start
            out[p + "end"] = end
            out[p + "rampSeconds"] = rampSeconds
            out[p + "opened"] = Double(log.opened.load(ordering: .relaxed))
            out[p + "failed"] = Double(log.failed.load(ordering: .relaxed))
            out[p + "closed"] = Double(log.closed.load(ordering: .relaxed))
            out[p + "clientCPUPercent"] = (Proc.cpuSeconds - c0) / (end - start) * 100
            FileHandle.standardError.write(Data(("[bench] audio-load: step \(n): opened \(log.opened.load(ordering: .relaxed)), "
                + "failed \(log.failed.load(ordering: .relaxed)), closed \(log.closed.load(ordering: .relaxed)), "
                + "ramp \(fmt(rampSeconds)) s\n").utf8))
        }
        // Keep streaming a little past the last window, so its last frames get their reports.
        try? await Task.sleep(for: .seconds(1.5))
        log.stopping.store(true, ordering: .relaxed)
        try? await Task.sleep(for: .milliseconds(300))
        do { try log.write(to: sendsPath, count: maxN) } catch {
            FileHandle.standardError.write(Data("[bench] audio-load: cannot write \(sendsPath): \(error)\n".utf8))
        }
        out["clientRSS"] = Double(Proc.rss)
        let json = try! JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
        for c in channels { try? await c.close() }
        try? await group.shutdownGracefully()
    }
}
