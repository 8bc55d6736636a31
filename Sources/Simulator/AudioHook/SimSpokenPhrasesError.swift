import SwitchboardCore

/// Why `spokenPhrases` cannot be served.
public struct SimSpokenPhrasesError: CodedError, Equatable {
    public let code: String
    public let message: String

    static let unavailable = SimSpokenPhrasesError(
        code: "sim.spoken-phrases-unavailable",
        message: "the simulator's spokenPhrases option (--spoken-phrases) speaks its sentences with espeak-ng and sox, "
            + "which are not installed: install the Debian packages espeak-ng and sox (`make test-deps` does), or "
            + "turn the option off")

    static func render(_ text: String, _ reason: String) -> SimSpokenPhrasesError {
        SimSpokenPhrasesError(code: "sim.spoken-phrases-render", message: "the simulator could not render the "
            + "sentence \"\(text)\" with espeak-ng and sox: \(reason); check that both programs work, or turn "
            + "spokenPhrases off")
    }
}
