@testable import AudioConnector
import Foundation
import Testing

@Suite struct OpusReassemblerTests {
    typealias Action = OpusReassembler.Action
    static let a = UUID(uuidString: "00000000-0000-4000-8000-0000000000AA")!
    static let b = UUID(uuidString: "00000000-0000-4000-8000-0000000000BB")!
    let t0 = ContinuousClock.now

    func frame(_ sequence: UInt32, _ index: UInt16 = 0, last: Bool = true, _ payload: [UInt8]? = nil,
               _ interaction: UUID = Self.a) -> SeedAudioFrame {
        SeedAudioFrame(isLast: last, fragmentIndex: index, interaction: interaction, sequence: sequence,
                       payload: (payload ?? [UInt8(truncatingIfNeeded: sequence), UInt8(truncatingIfNeeded: index)])[...])
    }

    func at(_ ms: Int) -> ContinuousClock.Instant { t0 + .milliseconds(ms) }

    @Test func wholePacketsInOrderPassStraightThrough() {
        var r = OpusReassembler()
        for seq: UInt32 in 0..<3 {
            #expect(r.receive(frame(seq), now: at(Int(seq))) == [.packet(interaction: Self.a, sequence: seq, bytes: [UInt8(seq), 0])])
        }
        #expect(r.bufferedBytes == 0)
        #expect(r.counters.packets == 3 && r.counters.fragments == 3)
        #expect(r.nextDeadline == at(2) + .seconds(60))  // only the TTL remains
    }

    @Test func wholePacketsInTurnGiveWhatTheBufferedPathGives() {
        // A whole packet that is next in turn (nothing pending) is taken straight through; the same packets
        // sent as two fragments each go through the buffers. Both give the same actions and counters
        // (fragments apart), through reordering, a gap, a duplicate, a timeout and an ended interaction.
        enum Step { case whole(UInt32, UUID), piece(UInt32, UInt16, Bool, UUID), tick(Int), end(UUID) }
        let a = Self.a, b = Self.b
        let steps: [Step] = [
            .whole(0, a), .whole(0, b), .whole(1, a), .piece(1, 0, false, b), .whole(2, a), .piece(1, 1, true, b),
            .whole(2, b), .whole(4, a), .whole(3, a), .whole(5, a), .whole(1, a), .piece(6, 0, false, a), .tick(600),
            .whole(7, a), .whole(3, b), .end(a), .whole(8, a), .whole(4, b),
        ]
        func run(splitWhole: Bool) -> (actions: [Action], counters: OpusReassembler.Counters, buffered: Int) {
            var r = OpusReassembler()
            var actions: [Action] = []
            var ms = 0
            for step in steps {
                ms += 1
                switch step {
                case .whole(let seq, let id):
                    let bytes: [UInt8] = [UInt8(seq), id == a ? 0xA : 0xB]
                    if splitWhole {
                        actions += r.receive(frame(seq, 0, last: false, bytes, id), now: at(ms))
                        actions += r.receive(frame(seq, 1, last: true, [], id), now: at(ms))
                    } else {
                        actions += r.receive(frame(seq, 0, last: true, bytes, id), now: at(ms))
                    }
                case .piece(let seq, let index, let last, let id):
                    actions += r.receive(frame(seq, index, last: last, [UInt8(seq), UInt8(index)], id), now: at(ms))
                case .tick(let later):
                    ms += later
                    actions += r.tick(now: at(ms))
                case .end(let id):
                    actions += r.interactionEnded(id, now: at(ms))
                }
            }
            return (actions, r.counters, r.bufferedBytes)
        }
        let direct = run(splitWhole: false), buffered = run(splitWhole: true)
        #expect(direct.actions == buffered.actions)
        var counters = buffered.counters
        counters.fragments = direct.counters.fragments
        // A duplicate whole packet, or one after the end, is one fragment here, two there.
        counters.duplicateFragments = direct.counters.duplicateFragments
        counters.fragmentsAfterEnd = direct.counters.fragmentsAfterEnd
        #expect(direct.counters == counters)
        #expect(direct.counters.duplicateFragments == 1 && buffered.counters.duplicateFragments == 2)
        #expect(direct.counters.timedOutPackets == 1 && direct.counters.lostPackets == 1)
        #expect(direct.counters.fragmentsAfterEnd == 1 && buffered.counters.fragmentsAfterEnd == 2)
        #expect(direct.counters.packets == 12 && direct.actions.count == 13)
        #expect(direct.buffered == 0 && buffered.buffered == 0)
    }

    @Test func fragmentsJoinInAnyOrder() {
        var r = OpusReassembler()
        #expect(r.receive(frame(0, 2, last: true, [5, 6]), now: at(0)).isEmpty)
        #expect(r.receive(frame(0, 0, last: false, [1, 2]), now: at(1)).isEmpty)
        #expect(r.bufferedBytes == 4 + 2 * 64 + 3 * 8)  // payload, overhead, three fragment slots
        #expect(r.receive(frame(0, 1, last: false, [3, 4]), now: at(2)) == [.packet(interaction: Self.a, sequence: 0, bytes: [1, 2, 3, 4, 5, 6])])
        #expect(r.bufferedBytes == 0)
    }

    @Test func packetsOutOfOrderWithinTheWindowAreReordered() {
        var r = OpusReassembler()
        #expect(r.receive(frame(2), now: at(0)).isEmpty)
        #expect(r.receive(frame(1), now: at(1)).isEmpty)
        let out = r.receive(frame(0), now: at(2))
        #expect(out.map(\.sequence) == [0, 1, 2])
        #expect(r.counters.lostPackets == 0)
    }

    @Test func duplicatesAreDropped() {
        var r = OpusReassembler()
        _ = r.receive(frame(0, 0, last: false), now: at(0))
        #expect(r.receive(frame(0, 0, last: false), now: at(1)).isEmpty)  // same fragment while pending
        #expect(r.receive(frame(0, 1, last: true), now: at(2)).count == 1)
        #expect(r.receive(frame(0, 1, last: true), now: at(3)).isEmpty)   // packet already emitted
        #expect(r.receive(frame(0, 0, last: false), now: at(3)).isEmpty)
        #expect(r.counters.duplicateFragments == 3)
        #expect(r.counters.packets == 1)
        #expect(r.bufferedBytes == 0)
    }

    @Test func aMissingPacketIsLostWhenTheNextHasWaitedTheTimeout() {
        var r = OpusReassembler()
        _ = r.receive(frame(0), now: at(0))
        #expect(r.receive(frame(2), now: at(20)).isEmpty)
        #expect(r.nextDeadline == at(520))
        #expect(r.tick(now: at(519)).isEmpty)
        #expect(r.tick(now: at(520)) == [.lost(interaction: Self.a, sequence: 1), .packet(interaction: Self.a, sequence: 2, bytes: [2, 0])])
        #expect(r.counters.lostPackets == 1)
        // The lost packet turning up later is dropped.
        #expect(r.receive(frame(1), now: at(600)).isEmpty)
        #expect(r.counters.lateFragments == 1)
    }

    @Test func anIncompletePacketTimesOut() {
        var r = OpusReassembler()
        _ = r.receive(frame(0, 0, last: false), now: at(0))
        #expect(r.receive(frame(1), now: at(100)).isEmpty)
        #expect(r.tick(now: at(499)).isEmpty)
        #expect(r.tick(now: at(500)) == [.lost(interaction: Self.a, sequence: 0), .packet(interaction: Self.a, sequence: 1, bytes: [1, 0])])
        #expect(r.counters.timedOutPackets == 1)
        #expect(r.bufferedBytes == 0)
        #expect(r.receive(frame(0, 1, last: true), now: at(501)).isEmpty)
        #expect(r.counters.lateFragments == 1)
    }

    @Test func theReorderWindowGivesUpPacketsFarBehind() {
        var r = OpusReassembler()
        _ = r.receive(frame(0, 0, last: false), now: at(0))  // never completes
        for seq: UInt32 in 1..<32 { #expect(r.receive(frame(seq), now: at(Int(seq))).isEmpty) }
        let out = r.receive(frame(32), now: at(32))  // 32 ahead of the next to emit
        #expect(out.first == .lost(interaction: Self.a, sequence: 0))
        #expect(out.dropFirst().map(\.sequence) == Array(1...32))
        #expect(r.counters.windowDiscardedPackets == 1)
        #expect(r.counters.timedOutPackets == 0)
    }

    @Test func aLongRunOfMissingPacketsIsOneSkip() {
        var r = OpusReassembler()
        _ = r.receive(frame(0), now: at(0))
        let out = r.receive(frame(1000), now: at(1))
        #expect(out == [.skipped(interaction: Self.a, from: 1, count: 968)])
        #expect(r.tick(now: at(501)).map(\.sequence) == Array(969...1000))
        #expect(r.counters.skippedPackets == 968 && r.counters.lostPackets == 31)
        // The largest sequence number is handled without overflow.
        let far = r.receive(frame(UInt32.max), now: at(600))
        #expect(far.count == 1)
        #expect(r.tick(now: at(1100)).last == .packet(interaction: Self.a, sequence: UInt32.max, bytes: [255, 0]))
    }

    @Test func theInteractionCapGivesUpTheOldestPacket() {
        var config = OpusReassembler.Configuration()
        config.maxBytesPerInteraction = 1000
        config.fragmentOverhead = 0
        var r = OpusReassembler(configuration: config)
        let chunk = [UInt8](repeating: 7, count: 300)
        let each = 300 + 8  // the payload and one fragment slot
        for seq: UInt32 in 0..<3 { #expect(r.receive(frame(seq, 0, last: false, chunk), now: at(Int(seq))).isEmpty) }
        #expect(r.bufferedBytes == 3 * each)
        #expect(r.receive(frame(3, 0, last: false, chunk), now: at(3)) == [.lost(interaction: Self.a, sequence: 0)])
        #expect(r.bufferedBytes == 3 * each)
        #expect(r.bufferedBytes(for: Self.a) <= 1000)
        #expect(r.counters.interactionCapDiscards == 1)
        // A complete packet waiting behind a gap is emitted, not dropped, when the cap forces the gap.
        var r2 = OpusReassembler(configuration: config)
        _ = r2.receive(frame(1, 0, last: true, chunk), now: at(0))
        _ = r2.receive(frame(2, 0, last: true, chunk), now: at(1))
        _ = r2.receive(frame(3, 0, last: true, chunk), now: at(2))
        let out = r2.receive(frame(4, 0, last: true, chunk), now: at(3))
        #expect(out.prefix(2) == [.lost(interaction: Self.a, sequence: 0), .packet(interaction: Self.a, sequence: 1, bytes: chunk)])
        #expect(r2.counters.interactionCapDiscards == 0)
    }

    @Test func theConnectionCapGivesUpTheOldestPacketOfAnyInteraction() {
        var config = OpusReassembler.Configuration()
        config.maxBytesPerConnection = 1000
        config.fragmentOverhead = 0
        var r = OpusReassembler(configuration: config)
        let chunk = [UInt8](repeating: 7, count: 300)
        _ = r.receive(frame(0, 0, last: false, chunk, Self.a), now: at(0))
        _ = r.receive(frame(0, 0, last: false, chunk, Self.b), now: at(1))
        _ = r.receive(frame(1, 0, last: false, chunk, Self.b), now: at(2))
        let out = r.receive(frame(2, 0, last: false, chunk, Self.b), now: at(3))
        #expect(out == [.lost(interaction: Self.a, sequence: 0)])
        #expect(r.bufferedBytes == 3 * (300 + 8))
        #expect(r.counters.connectionCapDiscards == 1)
    }

    @Test func endingAnInteractionFlushesItAndDropsItsLateFragments() {
        var r = OpusReassembler()
        _ = r.receive(frame(0), now: at(0))
        _ = r.receive(frame(2), now: at(1))
        _ = r.receive(frame(3, 0, last: false), now: at(2))
        #expect(r.interactionEnded(Self.a, now: at(3)) == [
            .lost(interaction: Self.a, sequence: 1), .packet(interaction: Self.a, sequence: 2, bytes: [2, 0]),
            .lost(interaction: Self.a, sequence: 3),
        ])
        #expect(r.counters.incompleteAtEnd == 1 && r.counters.interactionsEnded == 1)
        #expect(r.bufferedBytes == 0 && r.interactionCount == 0)
        #expect(r.receive(frame(4), now: at(4)).isEmpty)
        #expect(r.counters.fragmentsAfterEnd == 1)
    }

    @Test func idleInteractionsArePurgedAfterTheTTL() {
        var r = OpusReassembler()
        _ = r.receive(frame(0), now: at(0))
        _ = r.receive(frame(1, 0, last: false, nil, Self.b), now: at(0))
        // b's missing packet 0 and incomplete packet 1 timed out long ago.
        #expect(r.tick(now: at(59_999)) == [.lost(interaction: Self.b, sequence: 0), .lost(interaction: Self.b, sequence: 1)])
        #expect(r.nextDeadline == at(60_000))
        let out = r.tick(now: at(60_000))
        #expect(Set(out.compactMap { if case .purged(let id) = $0 { id } else { nil } }) == [Self.a, Self.b])
        #expect(r.interactionCount == 0 && r.counters.interactionsExpired == 2)
        #expect(r.nextDeadline == nil)
    }

    @Test func malformedFragmentSetsAreGivenUpAndCounted() {
        var config = OpusReassembler.Configuration()
        config.maxPacketBytes = 100
        var r = OpusReassembler(configuration: config)
        // Two different "last" fragments.
        _ = r.receive(frame(0, 2, last: true), now: at(0))
        _ = r.receive(frame(0, 1, last: true), now: at(1))
        #expect(r.counters.inconsistentPackets == 1)
        #expect(r.receive(frame(0, 0, last: false), now: at(2)).isEmpty)
        #expect(r.counters.lateFragments == 1)
        // A fragment after the last.
        _ = r.receive(frame(1, 0, last: true), now: at(3))
        // (packet 0 given up, packet 1 complete: both settle in order)
        #expect(r.nextSequence(for: Self.a) == 2)
        _ = r.receive(frame(2, 1, last: true), now: at(4))
        _ = r.receive(frame(2, 3, last: false), now: at(5))
        #expect(r.counters.inconsistentPackets == 2)
        // Too large, and an index past the limit.
        _ = r.receive(frame(3, 0, last: true, [UInt8](repeating: 0, count: 101)), now: at(6))
        #expect(r.counters.oversizePackets == 1)
        _ = r.receive(frame(4, 256, last: true), now: at(7))
        #expect(r.counters.fragmentIndexTooLarge == 1)
        #expect(r.bufferedBytes == 0)
        #expect(r.counters.lostPackets == 3)  // 0, 2, 3
    }

    @Test func interactionsOverTheLimitEvictTheLeastRecent() {
        var config = OpusReassembler.Configuration()
        config.maxInteractions = 1
        var r = OpusReassembler(configuration: config)
        _ = r.receive(frame(0, 0, last: false, nil, Self.a), now: at(0))
        let out = r.receive(frame(0, 0, last: true, nil, Self.b), now: at(1))
        #expect(out == [.lost(interaction: Self.a, sequence: 0), .purged(interaction: Self.a),
                        .packet(interaction: Self.b, sequence: 0, bytes: [0, 0])])
        #expect(r.counters.interactionsEvicted == 1 && r.interactionCount == 1)
    }
}

extension OpusReassembler.Action {
    var sequence: UInt32? {
        switch self {
        case .packet(_, let sequence, _), .lost(_, let sequence): sequence
        default: nil
        }
    }
}
