import ServiceLifecycle
import Simulator

/// Prints `simulator on http://HOST:PORT` once the simulator listens, then idles until shutdown.
struct ListeningAnnouncer: Service {
    let simulator: GenesysSimulator
    let host: String

    func run() async throws {
        let port = await simulator.waitUntilListening()
        printLine("simulator on http://\(host):\(port)")
        try? await gracefulShutdown()
    }
}
