/// A Notification API channel (`POST /api/v2/notifications/channels`).
public struct NotificationChannel: Sendable, Equatable, Codable {
    public var id: String
    public var connectUri: String
    /// ISO-8601 expiry, as sent.
    public var expires: String?

    public init(id: String, connectUri: String, expires: String? = nil) {
        self.id = id
        self.connectUri = connectUri
        self.expires = expires
    }
}

/// One topic's subscription result (`ChannelTopic`).
public struct ChannelTopic: Sendable, Equatable, Codable {
    public var id: String
    /// `Permitted` or `Rejected`.
    public var state: String?
    public var rejectionReason: String?
    /// The permissions the OAuth client lacks for a `Rejected` topic.
    public var missingPermissions: [String]?
}

/// `{"entities":[…]}` listings.
struct EntityListing<T: Decodable>: Decodable {
    let entities: [T]?
}

/// The paging fields of directory listings.
struct PagedIDs: Decodable {
    struct Entity: Decodable { let id: String }
    let entities: [Entity]?
    let pageCount: Int?
    let pageNumber: Int?
}
