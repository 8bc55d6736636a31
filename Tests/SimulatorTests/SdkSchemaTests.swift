import Foundation
@testable import Simulator
import SwitchboardCore
import Testing

/// Every simulator response and notification body against the Genesys SDK models
/// (`Fixtures/sdk-models.json`): no field the model lacks, no value of the wrong JSON type or outside
/// the model's enum, ids that are UUIDs. A client written against the SDK must be able to read all of it.
@Suite(.timeLimit(.minutes(2))) struct SdkSchemaTests {
    static let schema = Result { try SdkSchema.load() }

    static func check(_ bytes: some Collection<UInt8>, as model: String, _ what: String) throws -> [String] {
        let schema = try schema.get()
        let value = try JSONValue.parse(bytes)
        return schema.check(value, as: model).map { "\(what) (\(model)): \($0)" }
    }

    @Test func theExtractIsReadable() throws {
        let schema = try Self.schema.get()
        #expect(schema.source.contains("platform-client-sdk-python"))
        #expect(schema.models["Queue"]?["acwSettings"] != nil)
        // The checker itself: an unknown field, a wrong type, a value outside an enum and a non-UUID id fail.
        let bad = #"{"id":"queue-1","acwSettings":"","memberCount":1.5,"bogus":1,"#
            + #""mediaSettings":null,"scoringMethod":"TimestampAndPriority","name":"ok"}"#
        let problems = schema.check(try JSONValue.parse(Array(bad.utf8)), as: "Queue")
        #expect(problems.count == 4, "\(problems)")
        #expect(problems.contains { $0.contains("acwSettings: string where the model has an object (AcwSettings)") })
        #expect(problems.contains { $0.contains("has no field bogus") })
        #expect(problems.contains { $0.contains("memberCount: number where the model has an integer") })
        #expect(problems.contains { $0.contains("is not a UUID") })
    }

    @Test func everyNotificationBodyMatchesItsTopicModel() throws {
        let m = OrgModel(org: "us", orgIndex: 0, agentCount: 16, queueCount: 3, seed: 3,
                         timeZone: TimeZone(identifier: "America/New_York")!)
        m.recordAll = true
        m.transcription.recordAll = true
        m.largeSnapshotRate = 0.05
        let t0 = testBusinessHours
        m.start(at: t0)
        m.advance(to: t0 + 2 * 3_600_000)
        var seen: [String: Int] = [:]
        var problems: [String] = []
        for msg in m.drain() {
            let parts = msg.topic.split(separator: ".")
            let model: String
            switch (parts.first, parts.count > 1 ? parts[1] : "", parts.last) {
            case (_, "users", "activity"?): model = "AgentActivityChangedTopicAgentActivity"
            case (_, "users", "presence"?): model = "PresenceEventUserPresence"
            case (_, "users", "routingStatus"?): model = "UserRoutingStatusUserRoutingStatus"
            case (_, "users", "conversations"?): model = "ConversationEventTopicConversation"
            case (_, "routing", "conversations"?): model = "QueueConversationEventTopicConversation"
            case (_, "analytics", "observations"?): model = "StatEventQueueTopicStatsNotification"
            case (_, "quality", "evaluations"?): model = "EvaluationQualityV2TopicEvaluationV2"
            case (_, "conversations", "transcription"?): model = "TranscriptionTopicTranscriptionMessage"
            default:
                problems.append("\(msg.topic): no model for this topic")
                continue
            }
            seen[model, default: 0] += 1
            // One problem report per topic kind is enough to read; a few hundred bodies per model show every shape
            // (transcription alone sends thousands).
            if problems.count < 40 && seen[model, default: 0] <= 400 { problems += try Self.check(msg.body, as: model, msg.topic) }
        }
        #expect(seen.count == 8, "topics seen: \(seen)")
        print("SDK schema: \(seen.values.reduce(0, +)) notification bodies checked: \(seen)")
        let system = systemMessageBody(channelID: "streaming-0-abc", type: "no_longer_subscribed",
                                       reason: "another_channel_subscribed", message: "replaced",
                                       organizationID: m.organizationID, clientID: "us-client",
                                       correlationID: "0f8fad5b-d9cb-469f-a165-70867728950e")
        problems += try Self.check(system, as: "SystemMessageSystemMessage", "v2.system.no_longer_subscribed")
        #expect(problems.isEmpty, "\(problems.prefix(20).joined(separator: "\n"))")
    }

    @Test func everyRESTResponseMatchesItsModel() async throws {
        try await withSimulator({ o in
            o.orgCount = 1
            o.agentsPerOrg = 12
            o.startAt = .init(hour: 6, minute: 0)
        }) { _, client in
            let token = try await client.accessToken()
            let now = testBusinessHours
            let dayStart = Timestamp.format(Timestamp.startOfDay(now, in: TimeZone(identifier: "America/New_York")!))
            let interval = "\(dayStart)/\(Timestamp.format(now + 3_600_000))"
            let users = try await client.users(token)
            let user = try #require(users.first?["id"] as? String)
            let queue = try #require(try await client.queues(token).first?["id"] as? String)
            let channel = try await client.channel(token)
            var problems: [String] = []
            func check(_ method: String, _ path: String, json: String? = nil, as model: String,
                       status: Int = 200, token t: String? = token) async throws {
                let reply = try await client.request(method, path, token: t, json: json)
                #expect(reply.status == status, "\(method) \(path): \(reply.status) \(reply.text.prefix(300))")
                problems += try Self.check(Array(reply.body), as: model, "\(method) \(path)")
            }
            try await check("GET", "/api/v2/users?pageSize=5&pageNumber=2&expand=presence,routingStatus", as: "UserEntityListing")
            try await check("GET", "/api/v2/users/\(user)?expand=presence,routingStatus", as: "User")
            try await check("GET", "/api/v2/routing/queues?pageSize=2", as: "QueueEntityListing")
            try await check("GET", "/api/v2/routing/queues/\(queue)/members?pageSize=2&pageNumber=2", as: "QueueMemberEntityListing")
            try await check("GET", "/api/v2/organizations/me", as: "Organization")
            try await check("GET", "/api/v2/notifications/channels", as: "ChannelEntityListing")
            try await check("POST", "/api/v2/notifications/channels", as: "Channel")
            let topics = #"[{"id":"v2.users.\#(user).activity"},{"id":"v2.users.not-a-user.activity"}]"#
            try await check("PUT", "/api/v2/notifications/channels/\(channel.id)/subscriptions?ignoreErrors=true",
                            json: topics, as: "ChannelTopicEntityListing")
            try await check("GET", "/api/v2/notifications/channels/\(channel.id)/subscriptions", as: "ChannelTopicEntityListing")
            try await check("POST", "/api/v2/analytics/users/aggregates/query",
                            json: #"{"interval":"\#(interval)","granularity":"PT30M","groupBy":["userId"],"#
                                + #""metrics":["tAgentRoutingStatus","tSystemPresence","tOrganizationPresence"]}"#,
                            as: "UserAggregateQueryResponse")
            for groupBy in [#"["userId","mediaType"]"#, #"["queueId"]"#] {
                try await check("POST", "/api/v2/analytics/conversations/aggregates/query",
                                json: #"{"interval":"\#(interval)","granularity":"PT30M","groupBy":\#(groupBy),"#
                                    + #""metrics":["tHandle","tTalk","tHeld","tAcw","nConnected"]}"#,
                                as: "ConversationAggregateQueryResponse")
            }
            try await check("POST", "/api/v2/analytics/queues/observations/query",
                            json: #"{"metrics":["oWaiting","oInteracting","oAlerting","oOnQueueUsers","oMemberUsers","#
                                + #""oUserRoutingStatuses","oLongestWaiting"],"detailMetrics":["oWaiting","oInteracting"]}"#,
                            as: "QueueObservationQueryResponse")
            try await check("POST", "/api/v2/analytics/conversations/details/query",
                            json: #"{"interval":"\#(interval)","paging":{"pageSize":25,"pageNumber":1}}"#,
                            as: "AnalyticsConversationQueryResponse")
            try await check("POST", "/api/v2/analytics/evaluations/aggregates/query",
                            json: #"{"interval":"\#(interval)","groupBy":["userId","formId"],"#
                                + #""metrics":["nEvaluations","oTotalScore","oTotalCriticalScore"],"#
                                + #""views":[{"target":"oTotalScore","name":"passed","function":"rangeBound","range":{"gte":80}}]}"#,
                            as: "EvaluationAggregateQueryResponse")
            try await check("GET", "/api/v2/quality/publishedforms/evaluations", as: "EvaluationFormResponseEntityListing")
            try await check("POST", "/api/v2/analytics/users/details/query",
                            json: #"{"interval":"\#(interval)","paging":{"pageSize":5,"pageNumber":1}}"#,
                            as: "AnalyticsUserDetailsQueryResponse")
            // Errors: ErrorBody.
            try await check("GET", "/api/v2/users/00000000-0000-4000-8000-000000000000", as: "ErrorBody", status: 404)
            try await check("GET", "/api/v2/users?pageSize=501", as: "ErrorBody", status: 400)
            try await check("GET", "/api/v2/users", as: "ErrorBody", status: 401, token: "nonsense")
            #expect(problems.isEmpty, "\(problems.prefix(25).joined(separator: "\n"))")
        }
    }
}
