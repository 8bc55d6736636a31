import OpusCodec
import Testing

@Suite struct OpusLinkTests {
    @Test func libopusIsLinked() {
        #expect(OpusCodec.version.hasPrefix("libopus"))
    }
}
