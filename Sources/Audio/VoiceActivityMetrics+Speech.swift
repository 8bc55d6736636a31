import SwitchboardCore

extension VoiceActivityMetrics {
    /// The figures in the speech views' contract: `external` is the customer, `internal` the agent.
    public var speechMetrics: SpeechMetrics {
        func channel(_ c: Channel?) -> SpeechMetrics.Channel? {
            c.map { SpeechMetrics.Channel(talkMs: $0.talkMs, silenceMs: $0.silenceMs, overtalkMs: $0.overtalkMs,
                                          levelDbfs: $0.speechLevelDbfs) }
        }
        return SpeechMetrics(analysedMs: analysedMs, silenceMs: silenceMs, overtalkMs: overtalkMs,
                             longestSilenceMs: longestSilenceMs, gapMs: gapMs,
                             customer: channel(self.channel(.external)), agent: channel(self.channel(.internal)))
    }
}
