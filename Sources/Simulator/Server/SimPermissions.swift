/// Which permission each simulated endpoint needs, as the platform's API reference lists it: what the
/// `deny` fault takes away. Only the endpoints Switchboard calls are listed; others need none here.
enum SimPermissions {
    static func required(method: String, path: String) -> String? {
        switch (method, path) {
        case ("POST", "/api/v2/analytics/evaluations/aggregates/query"): "analytics:evaluationAggregate:view"
        case ("POST", "/api/v2/analytics/conversations/aggregates/query"): "analytics:conversationAggregate:view"
        case ("POST", "/api/v2/analytics/conversations/details/query"): "analytics:conversationDetail:view"
        case ("POST", "/api/v2/analytics/users/aggregates/query"): "analytics:userAggregate:view"
        case ("POST", "/api/v2/analytics/users/details/query"): "analytics:userDetail:view"
        case ("POST", "/api/v2/analytics/queues/observations/query"): "analytics:queueObservation:view"
        case ("GET", "/api/v2/quality/publishedforms/evaluations"): "quality:evaluationForm:view"
        case ("GET", "/api/v2/quality/metrics"): "quality:evaluation:view"
        case ("GET", _) where path.hasPrefix("/api/v2/routing/queues"): "routing:queue:view"
        case ("GET", _) where path.hasPrefix("/api/v2/conversations/"): "conversation:communication:view"
        default: nil
        }
    }

    /// The permission a notification topic needs (queue observations and quality events; user topics need
    /// none in the simulator).
    static func required(topic: String) -> String? {
        if topic.hasPrefix("v2.analytics.queues.") { return "analytics:queueObservation:view" }
        if topic == "v2.quality.evaluations" { return "quality:evaluation:view" }
        return nil
    }
}
