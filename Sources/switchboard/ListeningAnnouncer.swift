import ServiceLifecycle
import Simulator

/// Prints `simulator on http://HOST:PORT` once the simulator listens, then idles until shutdown.
struct ListeningAnnouncer: Service {
    let simulator: GenesysSimulator
    let host: String

    func run() async throws {
        let port = await simulator.waitUntilListening()
        // -1: the simulator never listened; its own error names the address.
        if port >= 0 { printLine("simulator on http://\(host):\(port)") }
        try? await gracefulShutdown()
    }
}
