import Foundation

/// Decodable mirrors of the Genesys wire shapes the normalizers read (as the platform's SDK models define them).
///
/// Every field is optional and unknown fields are ignored, so new platform fields and `null`s never
/// break decoding. Only the fields the normalizers use are declared: the decoder skips the rest,
/// which keeps decoding cheap and leaves room for a hand-written scanner later.
enum GenesysWire {
    /// `{topicName, version, eventBody, metadata}` with a body type chosen by topic.
    struct Envelope<Body: Decodable>: Decodable {
        var topicName: String?
        var eventBody: Body?
    }

    /// The envelope with the body skipped: validates the JSON and reads the topic.
    struct TopicOnly: Decodable {
        var topicName: String?
    }

    /// `channel.metadata` bodies: `{"message":"WebSocket Heartbeat"|"pong"}`.
    struct MessageBody: Decodable {
        var message: String?
    }

    /// `v2.system.*` bodies (`SystemMessageSystemMessage`).
    struct SystemBody: Decodable {
        var systemTopicType: String?
        var reason: String?
        var message: String?
    }

    struct PresenceDefinition: Decodable {
        var id: String?
        var systemPresence: String?
    }

    /// `v2.users.{id}.presence` body, and the `presence` object of activity and user listings.
    struct Presence: Decodable {
        var presenceDefinition: PresenceDefinition?
        var modifiedDate: String?
    }

    struct RoutingStatusValue: Decodable {
        var status: String?
        var startTime: String?
    }

    /// `v2.users.{id}.routingStatus` body.
    struct RoutingStatusBody: Decodable {
        var id: String?
        var routingStatus: RoutingStatusValue?
    }

    /// `v2.users.{id}.activity` body.
    struct ActivityBody: Decodable {
        var id: String?
        var routingStatus: RoutingStatusValue?
        var presence: Presence?
        var activeQueueIds: [String]?
    }

    /// One communication (call, chat, email, message, callback) of a participant.
    struct Communication: Decodable {
        var id: String?
        var state: String?
        var held: Bool?
        var connectedTime: String?
        var disconnectedTime: String?
        var startHoldTime: String?
    }

    struct Wrapup: Decodable {
        var code: String?
    }

    struct Participant: Decodable {
        var id: String?
        var purpose: String?
        var userId: String?
        var queueId: String?
        var connectedTime: String?
        var endTime: String?
        var startAcwTime: String?
        var endAcwTime: String?
        var wrapupRequired: Bool?
        var wrapupExpected: Bool?
        var wrapup: Wrapup?
        var calls: [Communication]?
        var callbacks: [Communication]?
        var chats: [Communication]?
        var emails: [Communication]?
        var messages: [Communication]?
        var videos: [Communication]?
        var socialExpressions: [Communication]?
    }

    /// `v2.users.{id}.conversations` body: the whole conversation snapshot.
    struct Conversation: Decodable {
        var id: String?
        var participants: [Participant]?
    }

    /// `StatisticalSummary`: a map of doubles.
    struct Stats: Decodable {
        var count: Double?
        var sum: Double?
        var max: Double?
        var current: Double?
        var calculatedMetricValue: Double?
        /// `oServiceLevel`: answered within target, and the conversations judged.
        var numerator: Double?
        var denominator: Double?
    }

    struct ObservationDetail: Decodable {
        var observationDate: String?
    }

    struct Metric: Decodable {
        var metric: String?
        var qualifier: String?
        var stats: Stats?
        var observations: [ObservationDetail]?
    }

    /// One `data[]` entry of topic stats and aggregate query responses.
    struct Datum: Decodable {
        var interval: String?
        var metrics: [Metric]?
    }

    struct Group: Decodable {
        var queueId: String?
        var mediaType: String?
        var userId: String?
    }

    /// `v2.analytics.queues.{id}.observations` body.
    struct ObservationBody: Decodable {
        var group: Group?
        var data: [Datum]?
    }

    /// `POST analytics/queues/observations/query` response: `data` is a list of metrics.
    struct ObservationQueryResponse: Decodable {
        struct Result: Decodable {
            var group: Group?
            var data: [Metric]?
        }
        var results: [Result]?
    }

    /// `POST analytics/users/aggregates/query` response.
    struct AggregateQueryResponse: Decodable {
        struct Result: Decodable {
            var group: Group?
            var data: [Datum]?
        }
        var results: [Result]?
    }

    /// A directory page: `{entities:[…]}`.
    struct Listing<Entity: Decodable>: Decodable {
        var entities: [Entity]?
    }

    /// `GET /api/v2/users?expand=presence,routingStatus,employerInfo` entity.
    struct UserEntity: Decodable {
        var id: String?
        var name: String?
        var presence: Presence?
        var routingStatus: RoutingStatusValue?
        /// Optional HR facts; an odd shape must not cost the user (or the page) its presence.
        var employerInfo: Lenient<EmployerInfo>?
    }

    /// `User.employerInfo`: `{officialName, employeeId, employeeType, dateHire}`, every field optional;
    /// `dateHire` is a `yyyy-MM-dd` string. Only the hire date is read; a field of another type is nil.
    struct EmployerInfo: Decodable {
        var dateHire: String?
        enum CodingKeys: String, CodingKey { case dateHire }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            dateHire = try? c.decodeIfPresent(String.self, forKey: .dateHire)
        }
    }

    /// A value that decodes to nil instead of failing the enclosing document.
    struct Lenient<Wrapped: Decodable>: Decodable {
        var value: Wrapped?
        init(from decoder: any Decoder) throws { value = try? Wrapped(from: decoder) }
    }

    /// `GET /api/v2/routing/queues` entity.
    struct QueueEntity: Decodable {
        var id: String?
        var name: String?
        /// Per media type settings; only `serviceLevel` is read. An odd shape costs the queue nothing but it.
        var mediaSettings: Lenient<[String: Lenient<MediaSettings>]>?
    }

    /// `QueueMediaSettings.<media>`: `{alertingTimeoutSeconds, serviceLevel:{percentage, durationMs}, …}`.
    struct MediaSettings: Decodable {
        struct ServiceLevel: Decodable {
            var percentage: Double?
            var durationMs: Double?
        }
        var serviceLevel: ServiceLevel?
    }
}
