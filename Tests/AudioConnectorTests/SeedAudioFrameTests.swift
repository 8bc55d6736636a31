@testable import AudioConnector
import Foundation
import Testing

@Suite struct SeedAudioFrameTests {
    static let interaction = UUID(uuidString: "1B2C3D4E-5F60-4172-8394-A5B6C7D8E9F0")!

    @Test func headerIsBigEndianAtTheDocumentedOffsets() throws {
        let frame = SeedAudioFrame(isLast: true, fragmentIndex: 0x0102, interaction: Self.interaction,
                                   sequence: 0x0A0B_0C0D, payload: [0xAA, 0xBB][...])
        let bytes = frame.encoded()
        #expect(bytes.count == 26)
        #expect(Array(bytes[0..<4]) == [1, 1, 0x01, 0x02])
        #expect(Array(bytes[4..<20]) == [0x1B, 0x2C, 0x3D, 0x4E, 0x5F, 0x60, 0x41, 0x72, 0x83, 0x94, 0xA5, 0xB6,
                                         0xC7, 0xD8, 0xE9, 0xF0])
        #expect(Array(bytes[20..<24]) == [0x0A, 0x0B, 0x0C, 0x0D])
        let decoded = try SeedAudioFrame.decode(bytes)
        #expect(decoded == frame)
        #expect(decoded.isLast)
        #expect(decoded.interactionId == "1b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0")
        #expect(Array(decoded.payload) == [0xAA, 0xBB])
    }

    @Test func decodesFromASliceAndKeepsReservedFlags() throws {
        var message: [UInt8] = [9, 9, 9]
        var frame = SeedAudioFrame(isLast: false, fragmentIndex: 3, interaction: Self.interaction, sequence: 7,
                                   payload: [1, 2, 3][...])
        frame.flags = 0x80
        message += frame.encoded()
        let decoded = try SeedAudioFrame.decode(message[3...])
        #expect(!decoded.isLast)
        #expect(decoded.flags == 0x80)
        #expect(decoded.fragmentIndex == 3)
        #expect(decoded.sequence == 7)
        #expect(Array(decoded.payload) == [1, 2, 3])
        // An empty payload (a header alone) is a legal, empty fragment.
        let header = Array(frame.encoded().prefix(24))
        #expect(try SeedAudioFrame.decode(header).payload.isEmpty)
    }

    @Test func shortAndUnknownVersionMessagesAreTypedErrors() {
        for count in [0, 1, 23] {
            let error = #expect(throws: SeedAudioError.self) { try SeedAudioFrame.decode([UInt8](repeating: 1, count: count)) }
            #expect(error?.code == "seed-audio.too-short")
            #expect(error?.message.contains("\(count) bytes") == true)
        }
        for version: UInt8 in [0, 2, 255] {
            var bytes = [UInt8](repeating: 0, count: 30)
            bytes[0] = version
            let error = #expect(throws: SeedAudioError.self) { try SeedAudioFrame.decode(bytes) }
            #expect(error?.code == "seed-audio.unknown-version")
        }
    }

    @Test func packetsAreCutIntoFlaggedFragments() throws {
        let packet = (0..<100).map { UInt8($0) }
        let fragments = try SeedAudioFrame.fragments(of: packet, interaction: Self.interaction, sequence: 5, maxPayload: 30)
        #expect(fragments.map(\.payload.count) == [30, 30, 30, 10])
        #expect(fragments.map(\.isLast) == [false, false, false, true])
        #expect(fragments.map(\.fragmentIndex) == [0, 1, 2, 3])
        #expect(fragments.flatMap { Array($0.payload) } == packet)
        let single = try SeedAudioFrame.fragments(of: [], interaction: Self.interaction, sequence: 0, maxPayload: 30)
        #expect(single.count == 1 && single[0].isLast && single[0].payload.isEmpty)
    }
}
