import ClusterPostgres
import Hub
import SwitchboardCore

/// In a cluster (docs/scale-out.md, "AudioHook on any replica"): the AudioHook sessions' reports go to this
/// replica's speech views as they do alone, and those of an org whose views are not published here (another
/// replica leads it) go to its leader too, through ``AudioForwarding``. The local views still take them: they are
/// not published while the org is led elsewhere, and they hold the session if this replica comes to lead the org.
/// Sessions of orgs led here are noted, so a replica that takes the org over mid-call is told of them.
struct ForwardingSpeechSink: SpeechEventSink {
    let local: any SpeechEventSink
    let forwarding: AudioForwarding
    /// The orgs whose views are published here.
    let published: @Sendable () -> Set<OrgID>

    func ingest(speech events: [SpeechEvent]) {
        local.ingest(speech: events)
        guard !events.isEmpty else { return }
        let here = published()
        let away = events.filter { !here.contains($0.org) }
        if !away.isEmpty { forwarding.forward(speech: away) }
        // The sessions of orgs led here are noted: should another replica come to lead the org mid-call, it is told
        // of them.
        if away.count < events.count { forwarding.note(speech: events.filter { here.contains($0.org) }) }
    }
}

/// The same for what on-box keyword spotting hears in those sessions' audio (the speech-text views).
struct ForwardingTranscriptSink: TranscriptSink {
    let local: any TranscriptSink
    let forwarding: AudioForwarding
    let published: @Sendable () -> Set<OrgID>

    func ingest(transcripts events: [TranscriptEvent]) {
        local.ingest(transcripts: events)
        guard !events.isEmpty else { return }
        let here = published()
        let away = events.filter { !here.contains($0.org) }
        if !away.isEmpty { forwarding.forward(transcripts: away) }
    }
}

extension BridgeCluster {
    /// The AudioHook sessions' sink: `speech`, and for orgs led elsewhere their leader too.
    func speechSink(_ speech: any SpeechEventSink) -> any SpeechEventSink {
        ForwardingSpeechSink(local: speech, forwarding: audioForwarding, published: { [self] in publishedOrgs() })
    }

    /// On-box spotting's sink: `transcripts`, and for orgs led elsewhere their leader too.
    func transcriptSink(_ transcripts: any TranscriptSink) -> any TranscriptSink {
        ForwardingTranscriptSink(local: transcripts, forwarding: audioForwarding, published: { [self] in publishedOrgs() })
    }

    /// What other replicas forwarded for the orgs led here goes to this replica's views.
    func deliverForwarded(speech: any SpeechEventSink, transcripts: any TranscriptSink) {
        audioForwarding.attach { _, record in
            if !record.speech.isEmpty { speech.ingest(speech: record.speech) }
            if !record.transcripts.isEmpty { transcripts.ingest(transcripts: record.transcripts) }
        }
    }
}

extension BridgeCluster {
    /// What `/readyz` shows of the forwarding.
    static func report(_ f: AudioForwarding.Status) -> ReadinessReport.Cluster.AudioForwarding {
        .init(connected: f.connected, rowsWritten: f.rowsWritten, eventsForwarded: f.eventsForwarded, rowsRead: f.rowsRead,
              eventsReceived: f.eventsReceived, dropped: f.dropped, refused: f.refused, lastError: f.lastError)
    }
}
