import SwitchboardCore
import Testing

@Suite struct SpeechContractTests {
    @Test func talkRatioNeedsCustomerTalk() {
        var m = SpeechMetrics(analysedMs: 1000, customer: nil, agent: .init(talkMs: 600))
        #expect(m.talkRatio == nil)
        m.customer = SpeechMetrics.Channel(talkMs: 0)
        #expect(m.talkRatio == nil)
        m.customer = SpeechMetrics.Channel(talkMs: 300)
        #expect(m.talkRatio == 2.0)
    }
}
