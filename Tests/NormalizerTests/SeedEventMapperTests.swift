import Journeys
import Normalizer
import SwitchboardCore
import Testing

/// The seed event stream's events → journey events: kinds, customers by type, transfer targets, refusals.
@Suite struct SeedEventMapperTests {
    func event(_ type: String, customer: String? = "ext-42", customerType: String? = "externalContact",
               channel: String? = "voice") -> SeedStreamEvent {
        SeedStreamEvent(subscriptionId: "s1", eventId: "e-1", eventType: type, timestamp: 1_770_000_000_000,
                        payload: .init(interactionId: "i-1", conversationId: "c-1", customerId: customer,
                                       customerIdType: customerType, channelType: channel, queueId: "q-1", agentId: "a-1",
                                       durationSeconds: 42, dispositionCode: "Resolved",
                                       transferTarget: .init(channelType: "email", queueId: "q-2")))
    }

    @Test func mapsTheFiveTypes() throws {
        let kinds: [String: JourneyEvent.Kind] = [
            "interaction.created": .interactionCreated, "conversation.started": .conversationStarted,
            "conversation.ended": .conversationEnded, "transfer.initiated": .transferInitiated,
            "disposition.completed": .dispositionCompleted,
        ]
        for (type, kind) in kinds {
            guard case .event(let e) = SeedEventMapper.map(event(type), org: "us", receivedAt: 5) else {
                Issue.record("\(type) not mapped")
                continue
            }
            #expect(e.kind == kind && e.id == "e-1" && e.source == .seedStream && e.org == "us")
            #expect(e.conversationID == "c-1" && e.time == 1_770_000_000_000 && e.receivedAt == 5 && e.media == .voice)
            #expect(e.queueID == "q-1" && e.agentID == "a-1" && e.wrapupCode == "Resolved")
            #expect(e.targetMedia == .email && e.targetQueueID == "q-2")
            #expect(e.customer == CustomerIdentity(externalContactID: "ext-42"))
        }
    }

    @Test func readsTheCustomerByItsType() {
        func customer(_ id: String, _ type: String?) -> CustomerIdentity? {
            guard case .event(let e) = SeedEventMapper.map(event("interaction.created", customer: id, customerType: type),
                                                           org: "us", receivedAt: 0) else { return nil }
            return e.customer
        }
        #expect(customer("+49 30 1234567", "phone") == CustomerIdentity(addresses: [.init(.phone, "+49 30 1234567")]))
        #expect(customer("Ada@Example.com", "email") == CustomerIdentity(addresses: [.init(.email, "Ada@Example.com")]))
        #expect(customer("wm-77", "messaging") == CustomerIdentity(addresses: [.init(.messaging, "wm-77")]))
        #expect(customer("tel:+12025550143", nil) == CustomerIdentity(addresses: [.init(.phone, "tel:+12025550143")]))
        // Without a customer id the event joins its conversation's journey.
        guard case .event(let e) = SeedEventMapper.map(event("conversation.started", customer: nil), org: "us",
                                                       receivedAt: 0) else {
            Issue.record("not mapped")
            return
        }
        #expect(e.customer == nil)
    }

    @Test func refusesWhatCannotBeAJourneyEvent() {
        var noConversation = event("interaction.created")
        noConversation.payload?.conversationId = nil
        noConversation.payload?.interactionId = ""
        var noTime = event("interaction.created")
        noTime.timestamp = nil
        for (e, why) in [(event("call.parked"), "unknown eventType"), (event("interaction.created", channel: "fax"), "channelType"),
                         (noConversation, "interactionId"), (noTime, "timestamp")] {
            guard case .unusable(let reason) = SeedEventMapper.map(e, org: "us", receivedAt: 0) else {
                Issue.record("\(why): mapped")
                continue
            }
            #expect(reason.contains(why), "\(reason)")
        }
    }
}
