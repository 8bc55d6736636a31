import Foundation
import FuzzDriver
import SwitchboardCore
@testable import GenesysAPI
@testable import Normalizer

// The REST bodies the connector decodes: the first byte picks the reader, the rest is the body. Every
// reader gives a value or a typed refusal, never a crash.
let org: OrgID = "us"
let day: EpochMillis = 1_778_112_000_000

runFuzzer { input in
    guard let selector = input.first else { return }
    let body = Array(input.dropFirst())
    switch selector % 13 {
    case 0: _ = RESTNormalizer.usersPageResult(body, org: org, at: day)
    case 1: _ = RESTNormalizer.queuesPage(body, org: org, mediaTypes: selector & 0x80 == 0 ? nil : ["voice"])
    case 2: _ = RESTNormalizer.queueObservationsQuery(body, org: org, at: day)
    case 3: _ = RESTNormalizer.usersAggregates(body, org: org, dayStart: day, asOf: day + 3_600_000,
                                               productivePresences: [.onQueue, .available])
    case 4: _ = RESTNormalizer.conversationsAggregates(body, from: day, to: day + 86_400_000,
                                                       by: selector & 0x80 == 0 ? .user : .queue)
    case 5: _ = RESTNormalizer.queueServiceAggregates(body, from: day, to: day + 86_400_000)
    case 6: _ = RESTNormalizer.usersDetailsResult(body, org: org)
    case 7:
        // Several pages: split at 0x1E (record separator).
        _ = RESTNormalizer.conversationDetails(body.split(separator: 0x1E, omittingEmptySubsequences: false).map(Array.init),
                                               userID: "u1")
    case 8: _ = RESTNormalizer.evaluationsAggregates(body, by: selector & 0x80 == 0 ? .user : .queue, passView: nil)
    case 9: _ = RESTNormalizer.seedQualityMetrics(body)
    case 10: _ = RESTNormalizer.publishedEvaluationForms(body)
    case 11:
        // The paging fields of directory listings (GenesysRESTClient.allPages).
        if let listing = try? JSONDecoder().decode(PagedIDs.self, from: Data(body)) {
            _ = listing.entities?.map(\.id)
            _ = listing.pageCount
        }
    default:
        _ = try? JSONDecoder().decode(EntityListing<NotificationChannel>.self, from: Data(body))
        _ = try? JSONDecoder().decode(EntityListing<ChannelTopic>.self, from: Data(body))
    }
}
