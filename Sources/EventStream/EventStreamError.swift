import SwitchboardCore

/// A frame or answer of the seed's journey event stream that cannot be read (docs/journeys.md, "The seed's event
/// stream"). A bad frame is dropped and counted; the connection goes on.
public struct EventStreamError: CodedError, Equatable {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    static func malformed(_ what: String) -> EventStreamError {
        EventStreamError(code: "eventstream.malformed", message: "an event stream frame was dropped: \(what); "
            + "the sender is not speaking the seed event stream's format — check the platform or relay it comes from")
    }

    static func frameTooLarge(_ count: Int) -> EventStreamError {
        EventStreamError(code: "eventstream.frame-too-large", message: "an event stream frame of \(count) bytes "
            + "exceeds \(EventStreamFrame.maxBytes) bytes and was dropped; events are small — check the sender")
    }
}
