/// The `speech:` section (docs/configuration.md, docs/speech.md): how the speech views join AudioHook
/// sessions to conversations and how long ended calls stay on the wall.
public struct SpeechConfig: Sendable, Equatable {
    /// How long a session whose conversation the bridge does not know yet waits before it is published
    /// with agent and queue `null` (they fill in when the conversation becomes known). 0…10 s.
    public var correlationGrace: Duration = .milliseconds(500)
    /// How long an ended call stays in `calls` before it is removed. 0…1 h.
    public var endedLinger: Duration = .seconds(60)

    public init(correlationGrace: Duration = .milliseconds(500), endedLinger: Duration = .seconds(60)) {
        self.correlationGrace = correlationGrace
        self.endedLinger = endedLinger
    }

    /// The largest values accepted.
    public static let maxCorrelationGrace: Duration = .seconds(10)
    public static let maxEndedLinger: Duration = .seconds(3600)
}
