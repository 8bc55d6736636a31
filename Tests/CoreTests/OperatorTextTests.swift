import Foundation
import Logging
import SwitchboardCore
import Testing

/// What operators read: rounded durations, JSON log lines, listener failures that name the address.
@Suite struct OperatorTextTests {
    @Test func durationsAreRoundedForPeople() {
        #expect(Duration.nanoseconds(1_040_007_246).shortText == "1s")
        #expect(Duration.milliseconds(1540).shortText == "1.5s")
        #expect(Duration.milliseconds(340).shortText == "340ms")
        #expect(Duration.seconds(27).shortText == "27s")
        #expect(Duration.milliseconds(59_600).shortText == "1m")
        #expect(Duration.seconds(125).shortText == "2m5s")
        #expect(Duration.seconds(5400).shortText == "1h30m")
        #expect(Duration.seconds(7200).shortText == "2h")
        #expect(Duration.seconds(-3).shortText == "0ms")
        #expect(!"\(Duration.nanoseconds(1_040_007_246).shortText)".contains("seconds"))
    }

    @Test func aJSONLogLineIsOneObjectWithTheMetadataAsFields() throws {
        let line = JSONLogHandler.line(
            time: 1_778_155_200_000, level: .warning, label: "switchboard.connector", message: "session \"ended\"\n",
            metadata: ["org": "us", "retryIn": "2s", "message": "shadowed", "tags": ["a", "b"]])
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.hasSuffix("}\n"))
        #expect(text.filter { $0 == "\n" }.count == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        #expect(json["time"] as? String == "2026-05-07T12:00:00.000Z")
        #expect(json["level"] as? String == "warning")
        #expect(json["label"] as? String == "switchboard.connector")
        #expect(json["message"] as? String == "session \"ended\"\n")
        #expect(json["org"] as? String == "us")
        #expect(json["meta.message"] as? String == "shadowed")
        #expect(json["tags"] as? [String] == ["a", "b"])
    }

    @Test func theHandlerWritesThroughItsSink() throws {
        let lines = LockedLines()
        var handler = JSONLogHandler(label: "test", write: { lines.append($0) })
        handler.logLevel = .info
        handler[metadataKey: "component"] = "hub"
        let logger = Logger(label: "test") { _ in handler }
        logger.debug("hidden")
        logger.info("shown", metadata: ["peer": "1.2.3.4"])
        let all = lines.all
        #expect(all.count == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(all[0])) as? [String: Any])
        #expect(json["component"] as? String == "hub" && json["peer"] as? String == "1.2.3.4")
    }

    @Test func aListenerFailureNamesTheAddress() {
        struct Bind: Error, CustomStringConvertible {
            var description: String { "bind(descriptor:ptr:bytes:): Address already in use (errno: 98)" }
        }
        let e = ListenError(address: "127.0.0.1:9100", underlying: Bind())
        #expect(e.code == "listen.failed")
        #expect(e.message == "cannot listen on 127.0.0.1:9100: the address is already in use; stop what listens there or choose another address")
    }
}

final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [[UInt8]] = []
    func append(_ l: [UInt8]) { lock.withLock { lines.append(l) } }
    var all: [[UInt8]] { lock.withLock { lines } }
}
