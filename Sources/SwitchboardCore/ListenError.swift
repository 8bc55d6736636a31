/// A listener that could not start: the address it was asked for, and why, in words.
///
/// `cannot listen on 127.0.0.1:9100: the address is already in use; stop what listens there or choose another address`
public struct ListenError: CodedError, Equatable {
    public let code = "listen.failed"
    public let message: String

    /// - Parameters:
    ///   - address: `host:port` as configured (`server.listen`, `--listen`).
    ///   - underlying: the error from binding (a NIO `IOError` reads `bind(…): Address already in use (errno: 98)`).
    public init(address: String, underlying: any Error) {
        let text = "\(underlying)"
        let reason: String
        if text.contains("Address already in use") {
            reason = "the address is already in use; stop what listens there or choose another address"
        } else if text.contains("Cannot assign requested address") {
            reason = "no network interface of this machine has that address; use one of its addresses, 0.0.0.0 or 127.0.0.1"
        } else if text.contains("Permission denied") {
            reason = "permission denied (ports below 1024 need privileges); choose a port of 1024 or more"
        } else {
            reason = "\(text); check the address"
        }
        message = "cannot listen on \(address): \(reason)"
    }
}
