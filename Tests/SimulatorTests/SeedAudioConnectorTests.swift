import AudioConnector
import Foundation
import OpusCodec
@testable import Simulator
import SwitchboardCore
import Testing

/// The seed Audio Connector over real sockets on loopback: discovery, single-use URIs, subscriptions, Opus
/// packets that reassemble and decode, metadata order, sequence numbers across connections, faults and truth.
@Suite(.serialized, .timeLimit(.minutes(2))) struct SeedAudioConnectorTests {
    static let queue = "9a2c3d4e-0000-4000-8000-0000000000f1"
    static let otherQueue = "9a2c3d4e-0000-4000-8000-0000000000f2"

    /// A quiet workload (business time at real speed): the tests drive their own calls.
    static func quiet(_ o: inout SimulatorOptions) {
        o.orgCount = 1
        o.agentsPerOrg = 10
    }
    static let quietClock = ScaledClock(origin: testBusinessHours, speed: 1)

    static func subscribe(queue: String? = SeedAudioConnectorTests.queue, rate: Int = 16000, types: String = #"["voice"]"#)
        -> String {
        SeedAudioUnitTests.subscribe(types: types, queues: queue.map { #"["\#($0)"]"# }, rate: rate)
    }

    /// The first `count` packet slots of conversation `id`'s plan (seed 1, default fragment share).
    static func slots(_ id: String, _ count: Int) -> [SimSeedPacketPlan.Slot] {
        var plan = SimSeedPacketPlan(seed: SimAudioHookClient.hash(id, seed: 1), fragmentShare: 0.3)
        var out: [SimSeedPacketPlan.Slot] = []
        while out.count < count { out += plan.next() }
        return out
    }

    /// A conversation id whose first `within` packets include every duration in `durations`.
    static func conversation(covering durations: Set<Int64>, within: Int) -> String {
        for i in 0..<1_000_000 {
            let id = String(format: "7b2c3d4e-0000-4000-8000-%012x", i)
            if durations.isSubset(of: Set(slots(id, within).prefix(within).map(\.durationUs))) { return id }
        }
        return "7b2c3d4e-0000-4000-8000-000000000000"
    }

    static func isSubscribed(_ m: SeedMessage) -> Bool { if case .subscribed = m { true } else { false } }
    static func errorCode(_ m: SeedMessage) -> String? { if case .error(let e) = m { e.code } else { nil } }

    /// Packets by sequence number from frames complete in any order (fragments 0…last), first copy of each.
    static func packets(_ frames: [SeedAudioFrame]) -> [UInt32: [UInt8]] {
        var parts: [UInt32: [UInt16: SeedAudioFrame]] = [:]
        for f in frames where parts[f.sequence]?[f.fragmentIndex] == nil { parts[f.sequence, default: [:]][f.fragmentIndex] = f }
        var out: [UInt32: [UInt8]] = [:]
        for (seq, byIndex) in parts {
            guard let last = byIndex.values.first(where: \.isLast)?.fragmentIndex,
                (0...last).allSatisfy({ byIndex[$0] != nil }) else { continue }
            out[seq] = (0...last).flatMap { Array(byIndex[$0]!.payload) }
        }
        return out
    }

    @Test func discoveryHandsOutSingleUseURIs() async throws {
        try await withSimulator(Self.quiet, clock: Self.quietClock) { sim, client in
            #expect(try await client.request("GET", "/api/v2/audioconnector/connections").status == 401)
            #expect(try await client.request("GET", "/api/v2/audioconnector/connections", token: "nope").status == 401)
            let token = try await client.accessToken()
            let d = try await client.discover(token)
            let uri = try #require(d["uri"] as? String)
            #expect(uri.hasPrefix(client.base.replacingOccurrences(of: "http://", with: "ws://") + "/audioconnector/ws?token="))
            #expect(SdkSchema.isUUID(try #require(d["connectionId"] as? String)))
            #expect(d["region"] as? String == "us-east-1")
            #expect(d["expiresIn"] as? Int == 3600)
            let again = try await client.request("GET", "/api/v2/audioconnector/connections", token: token)
            #expect(try SeedDiscovery.decode(again.body).region == "us-east-1", "the bridge's decoder reads it")
            #expect(try await client.seedURI(token) != uri, "every discovery is a new URI")
            try await withSeedProbes(client, token: token) { connect in
                let first = try await connect(uri)
                first.send(Self.subscribe())
                try await eventually("subscribed") { first.messages.contains(where: Self.isSubscribed) }
                let reused = try await connect(uri)
                try await eventually("the reused URI closed") { reused.end != .running }
                #expect(reused.end == .closed(4401))
                let unknown = try await connect(String(uri.prefix { $0 != "?" }) + "?token=0123")
                try await eventually("the unknown token closed") { unknown.end != .running }
                #expect(unknown.end == .closed(4401))
                await sim.inject(.seedAudio(.expiredURI), org: "us")
                let expired = try await connect(nil)
                try await eventually("the expired URI closed") { expired.end != .running }
                #expect(expired.end == .closed(4401))
                let fresh = try await connect(nil)
                fresh.send(Self.subscribe())
                try await eventually("a fresh URI works") { fresh.messages.contains(where: Self.isSubscribed) }
                #expect(first.end == .running && fresh.end == .running)
            }
        }
    }

    @Test func subscribeErrorsAndTheLimit() async throws {
        try await withSimulator(Self.quiet, clock: Self.quietClock) { _, client in
            let token = try await client.accessToken()
            try await withSeedProbes(client, token: token) { connect in
                let p = try await connect(nil)
                for request in [Self.subscribe(types: #"["chat"]"#), Self.subscribe(types: #"["voice","video"]"#),
                                Self.subscribe(rate: 44100), "{\"type\":\"subscribe\"", "[]"] {
                    p.send(request)
                }
                for _ in 0..<4 { p.send(Self.subscribe()) }
                p.send(Self.subscribe(queue: nil))
                try await eventually("ten answers") { p.messages.count == 10 }
                let m = p.messages
                #expect(m.prefix(5).map(Self.errorCode) == ["unsupported-interaction-type", "unsupported-interaction-type",
                                                            "invalid-sample-rate", "malformed", "malformed"])
                #expect(m[5..<9].allSatisfy(Self.isSubscribed))
                #expect(Self.errorCode(m[9]) == "subscription-limit")
                guard case .subscribed(let id, let status) = m[5] else { return }
                #expect(status == "active")
                p.send(SeedMessage.unsubscribe(subscriptionId: id).json)
                p.send(Self.subscribe())
                try await eventually("two more answers") { p.messages.count == 12 }
                #expect(p.messages[10] == .unsubscribed(subscriptionId: id))
                #expect(Self.isSubscribed(p.messages[11]))
                #expect(p.end == .running, "errors do not close the connection")
            }
        }
    }

    @Test func callsStreamAsOpusThatReassemblesAndDecodes() async throws {
        let id = Self.conversation(covering: [2_500, 5_000, 120_000], within: 40)
        let other = "7b2c3d4e-0000-4000-8000-0000000000ee"
        let slots = Self.slots(id, 400)
        try await withSimulator(Self.quiet, clock: Self.quietClock) { sim, client in
            let token = try await client.accessToken()
            try await withSeedProbes(client, token: token) { connect in
                let p16 = try await connect(nil), p48 = try await connect(nil)
                p16.send(Self.subscribe(rate: 16000))
                p48.send(Self.subscribe(rate: 48000))
                try await eventually("subscribed") {
                    p16.messages.contains(where: Self.isSubscribed) && p48.messages.contains(where: Self.isSubscribed)
                }
                sim.seedAudio.deliver(org: "us", events: [seedConnected(id), seedConnected(other, queue: Self.otherQueue)])
                try await eventually("45 packets on both", seconds: 20) {
                    Set(p16.frames(of: id).map(\.sequence)).count >= 45 && Set(p48.frames(of: id).map(\.sequence)).count >= 45
                }
                sim.seedAudio.deliver(org: "us", events: [seedEvent(id, .ended), seedEvent(other, .ended)])
                try await eventually("interactionEnded on both") {
                    [p16, p48].allSatisfy { p in
                        p.messages.contains { if case .interactionEnded(id, _) = $0 { true } else { false } }
                    }
                }
                for (probe, rate) in [(p16, 16000), (p48, 48000)] {
                    // Metadata first, then audio, then interactionEnded.
                    let mine = probe.items.filter {
                        switch $0 {
                        case .frame(let f): f.interactionId == id
                        case .text(let t): t.contains(id)
                        }
                    }
                    guard case .text(let first) = mine.first, case .text(let last) = mine.last,
                        case .interaction(let meta) = try SeedMessage.decode(first),
                        case .interactionEnded(_, let endTime) = try SeedMessage.decode(last)
                    else {
                        Issue.record("metadata does not frame the audio at \(rate) Hz")
                        continue
                    }
                    #expect(meta.interactionId == id && meta.direction == .inbound && meta.queueId == Self.queue)
                    #expect(meta.agentId == "5a2c3d4e-0000-4000-8000-0000000000a1")
                    #expect(meta.startTime == testBusinessHours && meta.channels == ["customer", "agent"])
                    #expect(endTime == testBusinessHours + 60_000)
                    #expect(probe.frames(of: other).isEmpty, "a call of another queue does not match")

                    // Reassembled in order, nothing lost; fragments as planned; each packet decodes to its duration.
                    let frames = probe.frames(of: id)
                    var reassembler = OpusReassembler()
                    let now = ContinuousClock.now
                    var actions: [OpusReassembler.Action] = []
                    for f in frames { actions += reassembler.receive(f, now: now) }
                    actions += reassembler.interactionEnded(try #require(UUID(uuidString: id)), now: now)
                    let packets: [(UInt32, [UInt8])] = actions.compactMap {
                        if case .packet(_, let seq, let bytes) = $0 { (seq, bytes) } else { nil }
                    }
                    #expect(packets.count == actions.count, "no loss: \(actions.filter { if case .packet = $0 { false } else { true } })")
                    #expect(packets.map { $0.0 } == Array(0..<UInt32(packets.count)))
                    var fragments: [UInt32: Int] = [:]
                    for f in frames { fragments[f.sequence, default: 0] += 1 }
                    #expect(fragments.values.contains { $0 > 1 }, "a share of packets is fragmented")
                    let decoder = try OpusDecoder(sampleRate: rate, channels: 2)
                    var pcm: [Int16] = []
                    var durations = Set<Int64>()
                    for (seq, bytes) in packets {
                        let slot = slots[Int(seq)]
                        #expect((fragments[seq]! > 1) == (slot.fragments > 1) && fragments[seq]! <= slot.fragments)
                        let samples = Int(slot.durationUs) * rate / 1_000_000
                        #expect(try OpusPacket.samples(bytes, sampleRate: rate) == samples, "packet \(seq)")
                        #expect(try decoder.decode(bytes, into: &pcm) == samples)
                        durations.insert(slot.durationUs)
                    }
                    #expect(durations.isSuperset(of: [2_500, 5_000, 120_000]))

                    // The truth: exactly the audio sent.
                    let session = try #require(sim.speechTruth(org: "us").first { $0.session == "seed/" + id })
                    let sent = packets.reduce(Int64(0)) { $0 + slots[Int($1.0)].durationUs } / 1000
                    #expect(session.state == "closed" && session.analysedMs == sent && session.faults.isEmpty)
                    #expect(session.conversationId == id && session.gapMs == 0 && !session.paused)
                    #expect(session.customer.talkMs + session.agent.talkMs - session.overtalkMs + session.silenceMs == sent)
                }
                #expect(!sim.speechTruth(org: "us").contains { $0.conversationId == other }, "no subscriber, no session")
            }
        }
    }

    @Test func sequenceNumbersContinueAcrossConnectionsAndPauses() async throws {
        let id = "7b2c3d4e-0000-4000-8000-0000000000c2"
        try await withSimulator(Self.quiet, clock: Self.quietClock) { sim, client in
            let token = try await client.accessToken()
            try await withSeedProbes(client, token: token) { connect in
                let a = try await connect(nil)
                a.send(Self.subscribe())
                try await eventually("subscribed") { a.messages.contains(where: Self.isSubscribed) }
                sim.seedAudio.deliver(org: "us", events: [seedConnected(id)])
                try await eventually("10 packets") { Set(a.frames(of: id).map(\.sequence)).count >= 10 }
                sim.seedAudio.deliver(org: "us", events: [seedEvent(id, .paused)])
                try await eventually("paused") { sim.speechTruth(org: "us").first?.paused == true }
                let next = try #require(sim.seedAudio.state.withLock { $0.records["us/" + id]?.stream.nextSequence })
                try await eventually("every packet before the hold") { a.frames(of: id).contains { $0.sequence == next - 1 && $0.isLast } }
                a.close()
                try await eventually("the first connection is gone") { sim.seedAudio.connectionCount() == 0 }

                let b = try await connect(nil)
                b.send(Self.subscribe())
                try await eventually("subscribed again") { b.messages.contains(where: Self.isSubscribed) }
                sim.seedAudio.deliver(org: "us", events: [seedEvent(id, .resumed)])
                try await eventually("5 packets on the second connection") { Set(b.frames(of: id).map(\.sequence)).count >= 5 }
                sim.seedAudio.deliver(org: "us", events: [seedEvent(id, .ended)])
                try await eventually("ended") { b.messages.contains { if case .interactionEnded = $0 { true } else { false } } }

                let onA = Self.packets(a.frames(of: id)), onB = Self.packets(b.frames(of: id))
                #expect(onA.keys.sorted() == Array(0..<next), "the first connection had every packet up to the hold")
                #expect(onB.keys.min() == next, "the sequence goes on where it stood: \(onB.keys.sorted().prefix(3))")
                #expect(onB.keys.sorted() == Array(next..<(next + UInt32(onB.count))))
                guard case .text(let firstOnB) = b.items.first(where: {
                    if case .frame = $0 { true } else if case .text(let t) = $0 { t.contains(id) } else { false }
                }) else {
                    Issue.record("the second connection's first message of the call is not its metadata")
                    return
                }
                #expect(firstOnB.contains("\"type\":\"interaction\""))
                // The truth: everything sent, the hold as a gap.
                let session = try #require(sim.speechTruth(org: "us").first { $0.session == "seed/" + id })
                var micros: Int64 = 0
                for bytes in Array(onA.values) + Array(onB.values) {
                    micros += Int64(try OpusPacket.samples(bytes, sampleRate: 16000)) * 1_000_000 / 16000
                }
                #expect(session.analysedMs == micros / 1000)
                #expect(session.gapMs > 0 && !session.paused && session.state == "closed")
            }
        }
    }

    @Test func everyFaultShowsOnTheWireAndInTheTruth() async throws {
        let x = "7b2c3d4e-0000-4000-8000-0000000000d1", y = "7b2c3d4e-0000-4000-8000-0000000000d2"
        let z = "7b2c3d4e-0000-4000-8000-0000000000d3"
        try await withSimulator({ o in
            Self.quiet(&o)
            o.seedAudioRegions = ["us-east-1", "eu-west-1"]
        }, clock: Self.quietClock) { sim, client in
            let token = try await client.accessToken()
            try await withSeedProbes(client, token: token) { connect in
                let a = try await connect(nil)
                a.send(Self.subscribe())
                try await eventually("subscribed") { a.messages.contains(where: Self.isSubscribed) }
                for kind in ["seed-audio-missing-fragment", "seed-audio-duplicate-fragment", "seed-audio-reorder",
                             "seed-audio-garbage-opus"] {
                    try await client.inject("us", kind)
                }
                sim.seedAudio.deliver(org: "us", events: [seedConnected(x)])
                try await eventually("20 packets") { Set(a.frames(of: x).map(\.sequence)).count >= 20 }
                let frames = a.frames(of: x)
                // Packet 0: the fragment before the last never came.
                let zero = frames.filter { $0.sequence == 0 }.map(\.fragmentIndex)
                #expect(zero.count >= 1 && !Set(zero).contains(UInt16(zero.max()! - 1)), "\(zero)")
                #expect(Self.packets(frames)[0] == nil)
                // Packet 1: a fragment twice.
                let one = frames.filter { $0.sequence == 1 }.map(\.fragmentIndex)
                #expect(one.count == Set(one).count + 1)
                // Packet 2: after packet 4, fragments in reverse order.
                let order = frames.map(\.sequence)
                #expect(order.firstIndex(of: 2)! > order.lastIndex(of: 4)!)
                let two = frames.filter { $0.sequence == 2 }.map(\.fragmentIndex)
                #expect(two == two.sorted(by: >))
                // Packet 3: not Opus.
                let decoder = try OpusDecoder(sampleRate: 16000, channels: 2)
                var pcm: [Int16] = []
                let garbage = try #require(Self.packets(frames)[3])
                #expect(throws: OpusError.self) { try decoder.decode(garbage, into: &pcm) }
                for seq in UInt32(4)..<UInt32(15) {
                    #expect(try decoder.decode(try #require(Self.packets(frames)[seq]), into: &pcm) > 0)
                }

                // Late metadata: about 2 s of audio first. Never: audio and interactionEnded only.
                try await client.inject("us", "seed-audio-metadata-late")
                sim.seedAudio.deliver(org: "us", events: [seedConnected(y)])
                try await eventually("y's metadata", seconds: 20) { a.texts.contains { $0.contains("\"interaction\"") && $0.contains(y) } }
                let items = a.items
                let metaAt = try #require(items.firstIndex { if case .text(let t) = $0 { t.contains(y) } else { false } })
                let before = Self.packets(items[..<metaAt].compactMap { if case .frame(let f) = $0, f.interactionId == y { f } else { nil } })
                let audioMs = try before.values.reduce(0) { $0 + (try OpusPacket.samples($1, sampleRate: 16000)) } / 16
                #expect(audioMs >= 2000, "\(audioMs) ms of audio before the metadata")
                try await client.inject("us", "seed-audio-metadata-never")
                sim.seedAudio.deliver(org: "us", events: [seedConnected(z)])
                try await eventually("z streams") { Set(a.frames(of: z).map(\.sequence)).count >= 5 }
                sim.seedAudio.deliver(org: "us", events: [seedEvent(z, .ended), seedEvent(y, .ended)])
                try await eventually("z ended") { a.texts.contains { $0.contains("interactionEnded") && $0.contains(z) } }
                #expect(!a.texts.contains { $0.contains("\"type\":\"interaction\"") && $0.contains(z) })

                // Dropped: no close frame.
                try await client.inject("us", "seed-audio-drop")
                try await eventually("dropped") { a.end != .running }
                #expect(a.end == .dropped)

                // Rotated: 1001, and the next discovery names the next region.
                #expect(try await client.discover(token)["region"] as? String == "us-east-1")
                let b = try await connect(nil)
                b.send(Self.subscribe())
                try await eventually("b streams x") { !b.frames(of: x).isEmpty }
                try await client.inject("us", "seed-audio-rotate")
                try await eventually("rotated") { b.end != .running }
                #expect(b.end == .closed(1001))
                #expect(try await client.discover(token)["region"] as? String == "eu-west-1")

                let truth = sim.speechTruth(org: "us")
                func faults(_ id: String) -> [String]? { truth.first { $0.conversationId == id }?.faults }
                #expect(faults(x) == ["seed-audio-missing-fragment", "seed-audio-duplicate-fragment", "seed-audio-reorder",
                                      "seed-audio-garbage-opus", "seed-audio-drop", "seed-audio-rotate"])
                #expect(faults(y) == ["seed-audio-metadata-late"])
                #expect(faults(z) == ["seed-audio-metadata-never"])
                let log = await sim.faultLog().map(\.kind)
                #expect(log.contains("seed-audio-rotate") && log.contains("seed-audio-drop"))
            }
        }
    }
}
