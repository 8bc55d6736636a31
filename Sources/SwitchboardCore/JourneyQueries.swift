/// What the hub's journey endpoints ask of the journey views (docs/protocol.md, "Journey topics"): reads by
/// id and by customer, and the Amazon EventBridge ingest. The hub checks stream scopes (`journeys:<org>`) before
/// it asks; the views check the EventBridge key. Implemented by the journey views; the hub knows nothing of
/// journeys beyond this.
public protocol JourneyQueries: Sendable {
    /// One journey (`<org>/j-<16 hex>`) while it is open or retained, or kept in the store, as its entity JSON;
    /// nil otherwise.
    func journey(id: String) async -> EncodedJSON?
    /// An org's journeys of the customer a user typed (in memory and in the store), newest first, as
    /// `{"journeys":[…]}`.
    func journeys(org: OrgID, customer: String) async -> JourneySearch
    /// One EventBridge delivery for `org`: `apiKey` as sent in `x-api-key`, `body` the request body.
    func ingestEventBridge(org: OrgID, apiKey: String?, body: [UInt8]) async -> EventBridgeIngest
    /// Why a delivery for `org` with this key would be refused (`unknownOrg`, `unauthorized`) before its body is
    /// read; nil when it may proceed.
    func eventBridgeRefusal(org: OrgID, apiKey: String?) -> EventBridgeIngest?
}

/// The answer to a search by customer.
public enum JourneySearch: Sendable, Equatable {
    /// `{"journeys":[…]}` (possibly empty).
    case found(EncodedJSON)
    /// The org is not configured or has no `journeys:` section.
    case unknownOrg
    /// What was typed is no customer key (an empty string, a number that does not normalise): why.
    case unreadable(String)
}

/// The answer to an EventBridge delivery.
public enum EventBridgeIngest: Sendable, Equatable {
    /// `{"accepted":n,"duplicates":n,"refused":[…]}`: the events were handed to the journeys (202).
    case accepted(EncodedJSON)
    /// Nothing in the body is an event (400): why, and the refusals when there were elements.
    case invalid(EncodedJSON)
    /// The key is missing or wrong (401).
    case unauthorized
    /// The org is not configured, has no journeys or no `eventBridge:` (404).
    case unknownOrg
    /// The events could not be made durable (503; the sender retries, and the retry's ids count as duplicates):
    /// why, for the log.
    case unavailable(String)
}
