import FuzzDriver
import SwitchboardCore
@testable import Normalizer

// Differential: a Notification API frame through the normalizer with the fast readers (TopicSniffer,
// FastBodies on JSONScanner) and through the JSONDecoder path only. Both must give the same
// NotificationFrame for every input — an input one accepts and the other refuses differs too.
let fast = NotificationNormalizer(org: "us", fastPath: true)
let slow = NotificationNormalizer(org: "us", fastPath: false)

runFuzzer { bytes in
    for receivedAt in [1_778_150_000_000, nil] as [EpochMillis?] {
        let a = fast.normalize(bytes, receivedAt: receivedAt)
        let b = slow.normalize(bytes, receivedAt: receivedAt)
        if a != b {
            fuzzFailure("fast and decoder paths differ (receivedAt \(String(describing: receivedAt))):\n fast: \(a)\n slow: \(b)")
        }
    }
    // The sniffer's range, when it finds one, lies inside the frame.
    bytes.withUnsafeBufferPointer { buf in
        if let r = TopicSniffer.topicRange(in: buf), r.lowerBound < 0 || r.upperBound > buf.count {
            fuzzFailure("sniffed range \(r) outside \(buf.count) bytes")
        }
    }
}
