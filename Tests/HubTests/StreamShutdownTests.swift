import Foundation
@testable import Hub
import SwitchboardConfig
import SwitchboardCore
import Testing

/// A graceful shutdown ends every stream with a close `1000` (docs/protocol.md, "Close codes"): the streams are
/// served by channel handlers with no task of their own, so nothing but the listener's quiescing and the hub
/// closes them.
@Suite("Streams at a graceful shutdown")
struct StreamShutdownTests {
    @Test func everyStreamGetsAClose1000AndTheServerStopsAlsoWhenAClientNeverAnswers() async throws {
        try await HubHarness.run(auth: HubHarness.auth([("dash", "t-global", [.global])])) { h in
            let answering = try await RawConnection.openStream(port: h.port, token: "t-global")
            let silent = try await RawConnection.openStream(port: h.port, token: "t-global")
            #expect(try await eventually { h.hub.connectionCount == 2 })

            await h.services.triggerGracefulShutdown()
            let close = try #require(try await answering.closeFrame())
            #expect(close.closeCode == 1000)
            #expect(close.text.dropFirst(2) == "shutdown")
            try await answering.send(bytes: RawFrame.close(code: 1000))
            #expect(try await answering.waitClosed(), "closed after the client's answer")

            #expect(try await silent.closeFrame()?.closeCode == 1000)
            #expect(try await silent.waitClosed(), "a client that never answers is closed after the grace")
            #expect(try await eventually { h.hub.connectionCount == 0 })
        }
    }
}
