import Hummingbird
import SwitchboardCore

/// `GET /api/v2/conversations/{id}`: a live or lately ended conversation of the caller's org (404 otherwise).
extension GenesysSimulator {
    func addConversationRoutes(_ router: Router<SimRequestContext>) {
        router.get("/api/v2/conversations/:id") { [self] request, context in
            let id = context.parameters.get("id") ?? ""
            return await api(request) { [self] caller in
                guard let bytes = current(caller.org, { $0.model.conversationDetail(id: id) }) else {
                    return .failure(.notFound("Conversation \(id) not found."))
                }
                return .success((.ok, bytes))
            }
        }
    }
}
