import SwitchboardCore

/// How a configuration is loaded besides its own text.
public struct ConfigLoadOptions: Sendable, Equatable {
    /// Replaces `server.listen` (`switchboard run --listen`), at the start and at every reload; the rules
    /// that depend on the address (``ConfigPolicy``) use it.
    public var listen: ListenAddress?
    /// The address the running listener is bound to, for a reload: the listener keeps it until a restart
    /// whatever the file says, so the rules check it too (a reload may not switch authentication off on a
    /// bridge that listens on every interface, even when the new file names a loopback address).
    public var runningListen: ListenAddress?
    /// False for `check-config --no-env`: an unset environment variable or a missing secret file is not an
    /// error; the values that use one are not checked (they are listed in
    /// ``SwitchboardConfiguration/unchecked``). Every other rule applies.
    public var requireSecrets: Bool
    /// What the on-box keyword spotter can listen for: the phrases of orgs with `speechText.onBox: true` are
    /// checked against it (``OnBoxVocabulary``). nil: not checked (the Bridge checks them again when it sets
    /// them).
    public var onBoxVocabulary: (any OnBoxVocabulary)?

    public init(listen: ListenAddress? = nil, runningListen: ListenAddress? = nil, requireSecrets: Bool = true,
                onBoxVocabulary: (any OnBoxVocabulary)? = nil) {
        self.listen = listen
        self.runningListen = runningListen
        self.requireSecrets = requireSecrets
        self.onBoxVocabulary = onBoxVocabulary
    }

    /// Equal when the addresses and the secrets rule are, and both have a vocabulary or neither has.
    public static func == (a: ConfigLoadOptions, b: ConfigLoadOptions) -> Bool {
        a.listen == b.listen && a.runningListen == b.runningListen && a.requireSecrets == b.requireSecrets
            && (a.onBoxVocabulary == nil) == (b.onBoxVocabulary == nil)
    }
}

/// Rules that span sections of the configuration. The loader applies them (so `check-config`, the start
/// and every reload refuse the same files), and so does the bridge for configurations built in code.
public enum ConfigPolicy {
    /// `auth: none` serves every org's data and the admin endpoints to anyone who can connect, so it is
    /// allowed only on a loopback listener. The message, or nil when the rule holds.
    ///
    /// - Parameters:
    ///   - listenFromCommandLine: `server.listen` came from `run --listen` (named so in the message).
    ///   - running: for a reload, the address the listener is bound to (it changes only at a restart).
    public static func authNoneProblem(_ config: SwitchboardConfiguration, listenFromCommandLine: Bool = false,
                                       running: ListenAddress? = nil) -> String? {
        guard config.auth.disabled else { return nil }
        let fix = "declare clients with tokens (make one with 'switchboard token new') or listen on 127.0.0.1"
        if !config.server.listen.isLoopback {
            let source = listenFromCommandLine ? "--listen on the command line" : "server.listen"
            return "auth: 'none' is allowed only on a loopback listen address, but \(source) is \(config.server.listen); \(fix)"
        }
        if let running, !running.isLoopback {
            return "auth: 'none' is allowed only on a loopback listen address, but the running listener is \(running) "
                + "(a new server.listen takes effect only at a restart); keep the clients until the bridge has "
                + "restarted on a loopback address"
        }
        return nil
    }

    /// Every rule's message for a configuration built in code (the demo), empty when all hold.
    public static func problems(_ config: SwitchboardConfiguration) -> [String] {
        [authNoneProblem(config)].compactMap { $0 }
    }
}
