import Audio
import Foundation
import Hub
import SwitchboardConfig
import SwitchboardCore

extension AudioHookServer {
    /// The listener's `/audiohook/v1` route (``makeBridgeApplication``'s `upgradeRoutes`): the gate holds
    /// the upgrade while ``decide(_:remote:arrived:)`` runs; a refusal is answered with its status and the
    /// hub's error body `{"type":"error","code":…,"message":…}`, an acceptance runs the session on the socket.
    public var upgradeRoute: WebSocketUpgradeRoute {
        WebSocketUpgradeRoute(path: Self.path) { [self] head in
            let arrived = ContinuousClock.now
            let request = AudioHookUpgradeRequest(method: head.method, target: head.target, headers: head.headers)
            switch await decide(request, remote: head.remote, arrived: arrived) {
            case .refuse(let status, let error):
                var body: [UInt8] = Array(#"{"type":"error","code":"#.utf8)
                JSONText.appendString(error.code, to: &body)
                body.append(contentsOf: #","message":"#.utf8)
                JSONText.appendString(error.message, to: &body)
                body.append(UInt8(ascii: "}"))
                return .refuse(status: status, body: String(decoding: body, as: UTF8.self))
            case .accept(let upgrade):
                return .accept { inbound, outbound in await self.run(upgrade, inbound: inbound, outbound: outbound) }
            }
        }
    }
}

extension Bridge {
    /// The orgs with an `audio:` section, for AudioHook's registry.
    static func audioOrgs(_ config: SwitchboardConfiguration) -> [AudioHookOrgRegistry.Org] {
        config.orgs.compactMap { org in
            org.audio.map {
                AudioHookOrgRegistry.Org(org: org.id, organizationId: $0.organizationId,
                                         credentials: AudioHookCredentials(apiKey: $0.apiKey, clientSecret: $0.clientSecret))
            }
        }
    }
}
