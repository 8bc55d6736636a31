import CPocketSphinx
import Logging
import SwitchboardCore

/// PocketSphinx's (sphinxbase's) log, routed to swift-log instead of stderr.
///
/// sphinxbase logs through one process-wide callback; `install()` (run once, before the first decoder)
/// turns its stderr/file output off and hands every line to `switchboard.pocketsphinx`: errors and fatal
/// errors as `.error`, warnings as `.warning`, the chatty model-loading and per-utterance information as
/// `.trace` (dropped unless that logger is at trace level).
enum PocketSphinxLog {
    static let logger = Logger.switchboard("pocketsphinx")

    /// Installs the route once per process (the first call wins; later calls do nothing).
    static func install() { _ = installed }

    private static let installed: Bool = {
        switchboard_ps_route_log { level, message in
            guard let message else { return }
            let swiftLevel: Logger.Level
            switch UInt32(level) {
            case ERR_FATAL.rawValue, ERR_ERROR.rawValue: swiftLevel = .error
            case ERR_WARN.rawValue: swiftLevel = .warning
            default: swiftLevel = .trace
            }
            guard PocketSphinxLog.logger.logLevel <= swiftLevel else { return }
            var line = String(cString: message)
            while line.last == "\n" { line.removeLast() }
            guard !line.isEmpty else { return }
            PocketSphinxLog.logger.log(level: swiftLevel, "\(line)")
        }
        return true
    }()
}
