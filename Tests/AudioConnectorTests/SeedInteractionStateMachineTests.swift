import AudioConnector
import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

@Suite struct SeedInteractionStateMachineTests {
    typealias M = SeedInteractionStateMachine
    typealias A = SeedInteractionStateMachine.Action

    static let t0 = ContinuousClock.now
    static func at(_ seconds: Double) -> ContinuousClock.Instant { t0 + .milliseconds(Int64((seconds * 1000).rounded())) }
    /// Business time: 1 000 000 ms at t0, moving with real time.
    static func wall(_ seconds: Double) -> EpochMillis { 1_000_000 + EpochMillis((seconds * 1000).rounded()) }
    static let x = UUID(uuidString: "0F3C1C2A-1111-4222-8333-944455556666")!
    static let y = UUID(uuidString: "0F3C1C2A-7777-4222-8333-944455556666")!
    static func packet(_ seq: UInt32, bytes: Int = 60) -> M.Media { .packet(sequence: seq, bytes: [UInt8](repeating: 1, count: bytes)) }
    static let ms20: Duration = .milliseconds(20)

    /// Feeds packet `seq` at `t` (20 ms each).
    static func feed(_ m: inout M, _ seq: UInt32, at t: Double, id: UUID = x, bytes: Int = 60) -> [A] {
        m.media(packet(seq, bytes: bytes), interaction: id, duration: ms20, now: at(t), wall: wall(t))
    }
    static func meta(_ id: UUID = x, agent: String? = "agent-1", queue: String? = "queue-1",
                     start: EpochMillis? = 900_000, channels: [String]? = nil) -> SeedInteraction {
        SeedInteraction(interactionId: id.uuidString.lowercased(), direction: .inbound, agentId: agent, queueId: queue,
                        startTime: start, channels: channels)
    }
    static func opens(_ actions: [A]) -> [M.Opening] { actions.compactMap { if case .open(let o) = $0 { o } else { nil } } }
    static func analysed(_ actions: [A]) -> [M.Media] {
        actions.compactMap { if case .analyse(_, let m) = $0 { m } else { nil } }
    }
    static func sequences(_ actions: [A]) -> [UInt32] {
        analysed(actions).compactMap { if case .packet(let s, _) = $0 { s } else { nil } }
    }
    static func progress(_ actions: [A]) -> [Bool] {
        actions.compactMap { if case .progress(_, let p) = $0 { p } else { nil } }
    }

    @Test func metadataBeforeAudioOpensAtTheFirstPacketWithItsStartTimeAndHints() {
        var m = M()
        #expect(m.metadata(Self.meta(), now: Self.at(0), wall: Self.wall(0)) == [])
        #expect(m.activeSessions == 0)
        let actions = Self.feed(&m, 0, at: 0.1)
        #expect(Self.opens(actions) == [M.Opening(interaction: Self.x, openedAt: 900_000, channels: [.customer, .agent],
                                                  hints: .init(agentId: "agent-1", queueId: "queue-1", direction: "inbound"),
                                                  repeated: false)])
        #expect(Self.sequences(actions) == [0])
        #expect(m.activeSessions == 1)
    }

    @Test func withoutMetadataTheSessionOpensAfterTheGraceWithItsHeldAudio() {
        var m = M()
        #expect(Self.feed(&m, 0, at: 0) == [])
        #expect(Self.feed(&m, 1, at: 0.02) == [])
        #expect(m.nextDeadline == Self.at(0.5))
        #expect(m.tick(now: Self.at(0.49), wall: Self.wall(0.49)) == [])
        let actions = m.tick(now: Self.at(0.5), wall: Self.wall(0.5))
        #expect(Self.opens(actions).map(\.openedAt) == [Self.wall(0)])  // the first packet's business time
        #expect(Self.opens(actions).first?.hints == M.Hints())
        #expect(Self.sequences(actions) == [0, 1])
        if case .open = actions.first {} else { Issue.record("open goes first: \(actions)") }
        // Audio after the open is analysed at once.
        #expect(Self.sequences(Self.feed(&m, 2, at: 0.52)) == [2])
    }

    @Test func metadataDuringTheGraceOpensAtOnceWithTheStartTime() {
        var m = M()
        _ = Self.feed(&m, 0, at: 0)
        let actions = m.metadata(Self.meta(channels: ["agent", "customer"]), now: Self.at(0.2), wall: Self.wall(0.2))
        #expect(Self.opens(actions).map(\.openedAt) == [900_000])
        #expect(Self.opens(actions).map(\.channels) == [[.agent, .customer]])
        #expect(m.channels(of: Self.x) == [.agent, .customer])
        #expect(Self.sequences(actions) == [0])
        #expect(m.tick(now: Self.at(0.5), wall: Self.wall(0.5)).isEmpty)  // no second open at the grace
    }

    @Test func lateMetadataResendsOpenedWithTheHintsOnly() {
        var m = M()
        _ = Self.feed(&m, 0, at: 0)
        let first = Self.opens(m.tick(now: Self.at(0.5), wall: Self.wall(0.5)))
        #expect(first.count == 1)
        let again = Self.opens(m.metadata(Self.meta(channels: ["agent", "customer"]), now: Self.at(2), wall: Self.wall(2)))
        #expect(again == [M.Opening(interaction: Self.x, openedAt: Self.wall(0), channels: [.customer, .agent],
                                    hints: .init(agentId: "agent-1", queueId: "queue-1", direction: "inbound"),
                                    repeated: true)])
        // The same metadata again changes nothing.
        #expect(m.metadata(Self.meta(), now: Self.at(3), wall: Self.wall(3)) == [])
    }

    @Test func heldAudioOverTheBufferCapIsAnalysedWithoutWaiting() {
        var c = M.Configuration()
        c.metadataBufferBytes = 100
        var m = M(configuration: c)
        #expect(Self.feed(&m, 0, at: 0) == [])
        let second = Self.feed(&m, 1, at: 0.02)
        #expect(Self.opens(second).isEmpty)
        #expect(Self.sequences(second) == [0])
        #expect(m.counters.bufferOverflows == 1)
        #expect(Self.sequences(m.tick(now: Self.at(0.5), wall: Self.wall(0.5))) == [1])
    }

    @Test func packetsAlreadyAnalysedAreDroppedWhateverConnectionTheyCameOn() {
        var m = M()
        _ = m.metadata(Self.meta(), now: Self.at(0), wall: Self.wall(0))
        for s in 0...2 { _ = Self.feed(&m, UInt32(s), at: 0.02 * Double(s)) }
        // A second connection (a live filter swap) delivers the same packets.
        #expect(Self.feed(&m, 1, at: 0.06) == [])
        #expect(Self.feed(&m, 2, at: 0.06) == [])
        #expect(m.media(.lost(sequence: 2), interaction: Self.x, now: Self.at(0.06), wall: Self.wall(0.06)) == [])
        #expect(m.counters.duplicates == 3)
        // A run reported skipped by a reconnected connection counts only from the first packet not yet taken.
        let skipped = m.media(.skipped(from: 0, count: 6), interaction: Self.x, now: Self.at(0.1), wall: Self.wall(0.1))
        #expect(Self.analysed(skipped) == [.skipped(from: 3, count: 3)])
        #expect(Self.sequences(Self.feed(&m, 6, at: 0.12)) == [6])
        #expect(Self.feed(&m, 5, at: 0.12) == [])
    }

    @Test func lossesBeforeTheFirstPacketAreNotConcealed() {
        var m = M()
        _ = m.metadata(Self.meta(), now: Self.at(0), wall: Self.wall(0))
        // A connection joining mid-call: its reassembler reports the packets before its first as lost or skipped.
        #expect(m.media(.skipped(from: 0, count: 400), interaction: Self.x, now: Self.at(0), wall: Self.wall(0)) == [])
        #expect(m.media(.lost(sequence: 400), interaction: Self.x, now: Self.at(0), wall: Self.wall(0)) == [])
        #expect(m.counters.leadingLosses == 2)
        #expect(m.activeSessions == 0)
        #expect(Self.sequences(Self.feed(&m, 401, at: 0)) == [401])
        // A loss after the first packet is concealed.
        let lost = m.media(.lost(sequence: 402), interaction: Self.x, now: Self.at(0.04), wall: Self.wall(0.04))
        #expect(Self.analysed(lost) == [.lost(sequence: 402)])
    }

    @Test func quietWithoutASequenceGapIsAPauseCountedByWallTime() {
        var m = M()
        _ = m.metadata(Self.meta(), now: Self.at(0), wall: Self.wall(0))
        for s in 0..<50 { _ = Self.feed(&m, UInt32(s), at: 0.02 * Double(s)) }
        // The last packet arrived at 0.98 and ends at 1.00: a pause is noticed from 2.00 on.
        #expect(m.nextDeadline == Self.at(2.0))
        #expect(Self.progress(m.tick(now: Self.at(1.99), wall: Self.wall(1.99))) == [])
        #expect(Self.progress(m.tick(now: Self.at(2.0), wall: Self.wall(2.0))) == [true])
        #expect(m.counters.pauses == 1)
        #expect(m.tick(now: Self.at(2.5), wall: Self.wall(2.5)) == [])  // reported once
        // Audio resumes with the next sequence number at 3.5: a gap of 2.5 s, then the packet, then a report.
        let resumed = Self.feed(&m, 50, at: 3.5)
        #expect(resumed == [.gap(interaction: Self.x, .milliseconds(2500)),
                            .analyse(interaction: Self.x, Self.packet(50)), .progress(interaction: Self.x, paused: false)])
    }

    @Test func aShortQuietOrASequenceGapIsNoPause() {
        var m = M()
        _ = m.metadata(Self.meta(), now: Self.at(0), wall: Self.wall(0))
        _ = Self.feed(&m, 0, at: 0)
        // 0.9 s of quiet is jitter, not a pause.
        let soon = Self.feed(&m, 1, at: 0.92)
        #expect(!soon.contains { if case .gap = $0 { true } else { false } })
        // 3 s of quiet, then packets reported lost (a sequence gap): concealed, not a gap.
        let lost = m.media(.lost(sequence: 2), interaction: Self.x, now: Self.at(4), wall: Self.wall(4))
        #expect(!lost.contains { if case .gap = $0 { true } else { false } })
        #expect(Self.analysed(lost) == [.lost(sequence: 2)])
    }

    @Test func progressGoesOutAbout400msApartWhileAudioFlows() {
        var m = M()
        _ = m.metadata(Self.meta(), now: Self.at(0), wall: Self.wall(0))
        var reports: [Int] = []
        for s in 0..<100 {
            if !Self.progress(Self.feed(&m, UInt32(s), at: 0.02 * Double(s))).isEmpty { reports.append(s) }
        }
        // Opened at packet 0; a report at 380 ms or more after the previous one: packets 19, 38, 57, 76, 95.
        #expect(reports == [19, 38, 57, 76, 95])
    }

    @Test func missingMetadataIsLookedUpOnceAndTheAnswerResendsOpened() {
        var m = M()
        _ = Self.feed(&m, 0, at: 0)
        _ = m.tick(now: Self.at(0.5), wall: Self.wall(0.5))
        for t in stride(from: 0.52, to: 12, by: 0.02) { _ = Self.feed(&m, UInt32((t / 0.02).rounded()), at: t) }
        #expect(m.counters.lookups == 0)  // packets never ask: the tick does
        #expect(m.tick(now: Self.at(12), wall: Self.wall(12)).contains(.lookup(interaction: Self.x)))
        #expect(m.counters.lookups == 1)
        #expect(m.tick(now: Self.at(13), wall: Self.wall(13)).filter { if case .lookup = $0 { true } else { false } }.isEmpty)
        let hints = M.Hints(agentId: "agent-9", queueId: "queue-9", direction: "outbound")
        let again = Self.opens(m.lookedUp(Self.x, hints: hints, now: Self.at(13)))
        #expect(again.map(\.hints) == [hints])
        #expect(again.map(\.repeated) == [true])
        #expect(m.lookedUp(Self.x, hints: nil, now: Self.at(13)) == [])
    }

    @Test func theLookupIsDueTenSecondsAfterTheFirstPacket() {
        var m = M()
        _ = Self.feed(&m, 0, at: 0)
        _ = m.tick(now: Self.at(0.5), wall: Self.wall(0.5))
        #expect(m.tick(now: Self.at(9.9), wall: Self.wall(9.9)).contains(.lookup(interaction: Self.x)) == false)
        #expect(m.tick(now: Self.at(10), wall: Self.wall(10)).contains(.lookup(interaction: Self.x)))
        #expect(m.counters.lookups == 1)
        // Metadata known: no lookup at all.
        var n = M()
        _ = n.metadata(Self.meta(Self.y), now: Self.at(0), wall: Self.wall(0))
        _ = Self.feed(&n, 0, at: 0, id: Self.y)
        #expect(n.tick(now: Self.at(10), wall: Self.wall(10)).contains(.lookup(interaction: Self.y)) == false)
    }

    @Test func metadataHintsWinOverTheLookup() {
        var m = M()
        _ = m.metadata(Self.meta(agent: nil, queue: "queue-1"), now: Self.at(0), wall: Self.wall(0))
        _ = Self.feed(&m, 0, at: 0)
        let filled = Self.opens(m.lookedUp(Self.x, hints: .init(agentId: "agent-9", queueId: "queue-9"), now: Self.at(1)))
        #expect(filled.map(\.hints) == [M.Hints(agentId: "agent-9", queueId: "queue-1", direction: "inbound")])
    }

    @Test func interactionEndedEndsTheSessionAndItsLatePacketsAreIgnored() {
        var m = M()
        _ = Self.feed(&m, 0, at: 0)
        let end = m.interactionEnded(Self.x.uuidString.lowercased(), now: Self.at(0.1), wall: Self.wall(0.1))
        // Not opened yet: opened with its held audio, then ended.
        #expect(Self.opens(end).count == 1)
        #expect(Self.sequences(end) == [0])
        #expect(end.last == .end(interaction: Self.x, reason: .completed))
        #expect(Self.feed(&m, 1, at: 0.12) == [])
        #expect(m.counters.afterEnd == 1)
        #expect(m.interactionEnded(Self.x.uuidString, now: Self.at(0.2), wall: Self.wall(0.2)) == [])
        #expect(m.metadata(Self.meta(), now: Self.at(0.3), wall: Self.wall(0.3)) == [])
        #expect(m.activeSessions == 0)
    }

    @Test func aSessionWithoutAudioForTheTTLEndsWithTimeout() {
        var m = M()
        _ = m.metadata(Self.meta(), now: Self.at(0), wall: Self.wall(0))
        _ = Self.feed(&m, 0, at: 0)
        _ = m.tick(now: Self.at(2), wall: Self.wall(2))  // the pause
        #expect(m.nextDeadline == Self.at(60))
        #expect(m.tick(now: Self.at(59.9), wall: Self.wall(59.9)) == [])
        #expect(m.tick(now: Self.at(60), wall: Self.wall(60)) == [.end(interaction: Self.x, reason: .timeout)])
        #expect(m.activeSessions == 0)
        #expect(Self.feed(&m, 1, at: 61) == [])
    }

    @Test func metadataWithoutAudioIsForgottenSilently() {
        var m = M()
        _ = m.metadata(Self.meta(), now: Self.at(0), wall: Self.wall(0))
        #expect(m.trackedInteractions == 1)
        #expect(m.tick(now: Self.at(60), wall: Self.wall(60)) == [])
        #expect(m.trackedInteractions == 0)
    }

    @Test func stoppingEndsEverySessionDisconnected() {
        var m = M()
        _ = m.metadata(Self.meta(), now: Self.at(0), wall: Self.wall(0))
        _ = Self.feed(&m, 0, at: 0)
        _ = Self.feed(&m, 0, at: 0, id: Self.y)  // not opened yet
        let actions = m.stop(now: Self.at(0.1), wall: Self.wall(0.1))
        let ends = actions.compactMap { if case .end(let id, let r) = $0 { "\(id == Self.x ? "x" : "y"):\(r)" } else { nil } }
        #expect(ends.sorted() == ["x:disconnected", "y:disconnected"])
        #expect(Self.opens(actions).map(\.interaction) == [Self.y])
        #expect(m.activeSessions == 0)
    }

    @Test func theOldestInteractionIsEvictedOverTheCap() {
        var c = M.Configuration()
        c.maxInteractions = 1
        var m = M(configuration: c)
        _ = m.metadata(Self.meta(), now: Self.at(0), wall: Self.wall(0))
        _ = Self.feed(&m, 0, at: 0)
        let actions = Self.feed(&m, 0, at: 0.1, id: Self.y)
        #expect(actions.contains(.end(interaction: Self.x, reason: .timeout)))
        #expect(m.counters.evicted == 1)
        #expect(m.trackedInteractions == 1)
    }

    @Test func invalidIdsAndChannelsAreRefusedQuietly() {
        var m = M()
        #expect(m.metadata(SeedInteraction(interactionId: "not-a-uuid"), now: Self.at(0), wall: Self.wall(0)) == [])
        #expect(m.counters.invalidIds == 1)
        _ = m.metadata(Self.meta(channels: ["customer", "customer"]), now: Self.at(0), wall: Self.wall(0))
        #expect(m.channels(of: Self.x) == [.customer, .agent])
    }
}
