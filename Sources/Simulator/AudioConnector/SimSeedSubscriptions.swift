import AudioConnector
import SwitchboardConfig

/// One connection's audio subscriptions, as the server keeps them: answers `subscribe` and `unsubscribe`
/// (docs/audio.md, "The seed Audio Connector") and says which subscriptions a call matches. Pure.
struct SimSeedSubscriptions: Sendable {
    struct Active: Sendable, Equatable {
        let id: String
        let subscription: SeedSubscription
    }

    static let sampleRates: Set<Int> = [8000, 12000, 16000, 24000, 48000]

    let limit: Int
    /// In the order they were made.
    private(set) var active: [Active] = []

    init(limit: Int) { self.limit = max(0, limit) }

    /// The reply to one text message from the client; `newID` names a new subscription.
    mutating func handle(_ text: String, newID: () -> String) -> SeedMessage {
        let message: SeedMessage
        do throws(SeedMessageError) {
            message = try SeedMessage.decode(text)
        } catch {
            return .error(SeedServerError(code: "malformed", message: "The message could not be read: \(error.message)"))
        }
        switch message {
        case .subscribe(let s):
            if let other = s.interactionTypes.first(where: { $0 != "voice" }) {
                return .error(SeedServerError(code: SeedServerError.unsupportedInteractionType,
                                              message: "Interaction type '\(other)' is not supported; only voice is."))
            }
            if s.interactionTypes.isEmpty {
                return .error(SeedServerError(code: "malformed", message: "filters.interactionTypes is empty; use [\"voice\"]."))
            }
            guard Self.sampleRates.contains(s.sampleRate) else {
                return .error(SeedServerError(code: SeedServerError.invalidSampleRate,
                                              message: "Sample rate \(s.sampleRate) is not served; use 8000, 12000, 16000, 24000 or 48000."))
            }
            guard s.format == "opus" else {
                return .error(SeedServerError(code: "unsupported-format",
                                              message: "Format '\(s.format)' is not served; use opus."))
            }
            guard active.count < limit else {
                return .error(SeedServerError(code: SeedServerError.subscriptionLimit,
                                              message: "At most \(limit) subscriptions per connection."))
            }
            let id = newID()
            active.append(Active(id: id, subscription: s))
            return .subscribed(subscriptionId: id, status: "active")
        case .unsubscribe(let id):
            guard let i = active.firstIndex(where: { $0.id == id }) else {
                return .error(SeedServerError(code: "unknown-subscription", message: "No subscription \(id) on this connection."))
            }
            active.remove(at: i)
            return .unsubscribed(subscriptionId: id)
        default:
            return .error(SeedServerError(code: "malformed", message: "A client does not send '\(message.type)'."))
        }
    }

    /// The sample rate of every subscription matching a voice call of `queueId` and `direction`, one entry
    /// per matching subscription (two subscriptions matching the same call each get its packets).
    func matches(queueId: String?, direction: String) -> [Int] {
        active.compactMap { a in
            let s = a.subscription
            guard s.interactionTypes.contains("voice"), s.directions.contains(where: { $0.rawValue == direction })
            else { return nil }
            if let ids = s.queueIds {
                guard let q = queueId, ids.contains(q) else { return nil }
            }
            return s.sampleRate
        }
    }
}
