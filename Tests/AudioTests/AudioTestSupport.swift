@testable import Audio
import SwitchboardCore

/// A seeded generator, so a fuzz failure can be replayed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Fixture {
    static let session = "30b0e395-84d3-4570-ac13-9a62d8f514c0"
    static let organization = "d7934305-0972-4844-938e-9060eef73d05"
    static let conversation = "090eaa2f-72fa-480a-83e0-8667ff89c0ec"
    static let participant = "883efee8-3d6c-4537-b500-6d7ca4b92fa0"

    /// The three-entry offer Genesys sends (stereo, external only, internal only).
    static let genesysOffer = """
    [{"type":"audio","format":"PCMU","channels":["external","internal"],"rate":8000},
     {"type":"audio","format":"PCMU","channels":["external"],"rate":8000},
     {"type":"audio","format":"PCMU","channels":["internal"],"rate":8000}]
    """

    static func open(seq: Int = 1, conversation: String = conversation, organization: String = organization,
                     media: String = genesysOffer, extra: String = "") -> String {
        """
        {"version":"2","id":"\(session)","type":"open","seq":\(seq),"serverseq":0,"position":"PT0S",
         "parameters":{"organizationId":"\(organization)","conversationId":"\(conversation)",
           "participant":{"id":"\(participant)","ani":"+1-555-555-1234","aniName":"John Doe","dnis":"+1-800-555-6789"},
           "media":\(media),"language":"en-US"\(extra)}}
        """
    }

    static func message(_ type: String, seq: Int, serverseq: Int = 1, position: String = "PT0S",
                        parameters: String = "{}") -> String {
        """
        {"version":"2","id":"\(session)","type":"\(type)","seq":\(seq),"serverseq":\(serverseq),"position":"\(position)","parameters":\(parameters)}
        """
    }
}
