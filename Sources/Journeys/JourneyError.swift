import SwitchboardCore

/// A journeys error: a configuration the journeys core cannot use (an unknown default country, a missing
/// salt). Messages never contain a customer address or the salt.
public struct JourneyError: CodedError, Equatable {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}
