import Foundation
import Hummingbird
import SwitchboardCore

/// Renaming an agent or a queue mid-run (`POST /_sim/rename`). The platform announces a profile change
/// on no topic a bridge subscribes to (`activity`, `conversations`, queue `observations`,
/// `v2.quality.evaluations`): the new name appears in the directory (`GET /api/v2/users`, the user's
/// `version` goes up; `GET /api/v2/routing/queues`), in later conversation snapshots' participants and in
/// the seed quality metrics' `entityName`. Ids never change.
extension GenesysSimulator {
    /// What was renamed.
    public enum RenameTarget: Sendable, Equatable {
        case agent(String)
        case queue(String)
    }

    struct RenameRequest: Decodable, Sendable {
        let org: String
        let agent: String?
        let queue: String?
        let name: String
    }

    /// Renames agent or queue `target` (platform id) of `org`; returns the old name, nil when unknown.
    @discardableResult
    public func rename(_ target: RenameTarget, org: String, to name: String) async -> String? {
        guard let rt = orgByID[org] else { return nil }
        let now = clock.now()
        let old: String? = rt.with { s in
            s.model.advance(to: now)
            switch target {
            case .agent(let id):
                guard let a = s.model.agentIndex[id] else { return nil }
                let old = s.model.agents[a].name
                s.model.agents[a].name = name
                s.model.agents[a].version += 1
                return old
            case .queue(let id):
                guard let q = s.model.queueIndex[id] else { return nil }
                let old = s.model.queues[q].name
                s.model.queues[q].name = name
                return old
            }
        }
        if let old { logger.notice("renamed", metadata: ["org": "\(org)", "target": "\(target)", "from": "\(old)", "to": "\(name)"]) }
        return old
    }

    func addRenameRoutes(_ router: Router<SimRequestContext>) {
        router.post("/_sim/rename") { [self] request, _ -> Response in
            let decoded = await Self.decode(RenameRequest.self, request)
            guard case .success(let req) = decoded, (req.agent == nil) != (req.queue == nil), !req.name.isEmpty else {
                return SimHTTP.error(.badRequest("Expected {\"org\":…,\"agent\":<id>|\"queue\":<id>,\"name\":…} (one of agent or queue)."),
                                     contextID: "sim")
            }
            let target: RenameTarget = req.agent.map { .agent($0) } ?? .queue(req.queue!)
            guard let old = await rename(target, org: req.org, to: req.name) else {
                return SimHTTP.error(.notFound("No simulated org '\(req.org)' with that \(req.agent != nil ? "agent" : "queue") id."),
                                     contextID: "sim")
            }
            var w = JSONWriter()
            w.object { w in
                w.field("org", req.org)
                w.field(req.agent != nil ? "agent" : "queue", req.agent ?? req.queue!)
                w.field("from", old)
                w.field("to", req.name)
            }
            return SimHTTP.json(.ok, w.bytes)
        }
    }
}
