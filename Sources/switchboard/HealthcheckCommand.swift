import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore

/// `switchboard healthcheck`: asks a running bridge's `/healthz` and exits 0 when it answers 2xx, 1 otherwise.
///
/// For a container `HEALTHCHECK` in an image that has no curl or wget (deploy/Containerfile): the binary that
/// serves the endpoint is already there, so the probe needs nothing else installed and speaks real HTTP (a
/// status code, not only "a port accepted a connection").
struct HealthcheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck",
        abstract: "Exit 0 when a running bridge answers its /healthz (a container HEALTHCHECK).",
        discussion: """
            Sends GET to --url and exits 0 on a 2xx answer; prints why and exits 1 on another status, a \
            refused connection or no answer within --timeout. Kubernetes probes /healthz and /readyz itself \
            (deploy/kubernetes); this is for podman and docker, whose images cannot rely on curl being there.
            """
    )

    @Option(help: "The URL to ask (http or https).")
    var url: String = "http://127.0.0.1:8080/healthz"

    @Option(help: "Seconds to wait for the answer.")
    var timeout: Int = 5

    func validate() throws {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
              scheme == "http" || scheme == "https", parsed.host?.isEmpty == false
        else {
            throw ValidationError("--url '\(url)' is not an http(s) URL (e.g. http://127.0.0.1:8080/healthz)")
        }
        guard (1...300).contains(timeout) else {
            throw ValidationError("--timeout \(timeout) is out of range; give 1…300 seconds")
        }
    }

    func run() async throws {
        let status: UInt
        do {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url),
                                                                timeout: .seconds(Int64(timeout)))
            status = response.status.code
        } catch {
            printError("switchboard healthcheck: \(url) did not answer within \(timeout) s (\(error)); "
                + "is the bridge running and listening there (server.listen)?")
            throw ExitCode(1)
        }
        guard (200..<300).contains(status) else {
            printError("switchboard healthcheck: \(url) answered HTTP \(status), not 2xx")
            throw ExitCode(1)
        }
    }
}
