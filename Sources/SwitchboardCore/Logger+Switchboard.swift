import Logging

extension Logger {
    /// A logger for one component (`connector`, `hub`, `views`, `simulator`…), optionally for one org.
    /// Every line it writes carries `component` and, when given, `org` metadata.
    public static func switchboard(_ component: String, org: OrgID? = nil) -> Logger {
        var logger = Logger(label: "switchboard.\(component)")
        logger[metadataKey: "component"] = .string(component)
        if let org { logger[metadataKey: "org"] = .string(org.rawValue) }
        return logger
    }

    /// A copy of this logger tagged with an org.
    public func with(org: OrgID) -> Logger {
        var copy = self
        copy[metadataKey: "org"] = .string(org.rawValue)
        return copy
    }
}
