import Foundation
import SwitchboardCore

/// Delivery, heartbeats, expiry and faults: what the simulator's tick does for one org.
extension OrgState {
    /// Advances the model to `businessNow` and delivers what it published; sends heartbeats that are
    /// due, expires channels, and carries out announced maintenance closes.
    func tick(businessNow: EpochMillis, realNow: EpochMillis, heartbeatMs: EpochMillis, stormEvents: Int) {
        model.advance(to: businessNow)
        if stormEvents > 0 { model.stormBurst(stormEvents) }
        let messages = gateJourneyMessages(model.drain(), realNow: realNow)
        if !channels.isEmpty {
            for m in messages {
                guard topicChannels[m.topic] != nil else { continue }
                let text = envelope(topic: m.topic, body: m.body, correlationID: envelopeRNG.uuid())
                let out = Outgoing(topic: m.topic, text: text)
                if m.tag != nil, noteJourneyMessage(out) { route(out) }
                route(out)
            }
        }
        for id in Array(channels.keys) {
            guard let ch = channels[id] else { continue }
            if ch.expires <= realNow {
                expire(id)
                continue
            }
            if let closing = ch.closingAt, closing <= realNow {
                ch.socket?.finish()
                channels[id]?.closingAt = nil
                continue
            }
            if let s = ch.socket, ch.nextHeartbeat <= realNow {
                if !ch.ghost { s.send(ChannelMessages.heartbeat) }
                channels[id]?.nextHeartbeat = realNow + heartbeatMs
            }
        }
    }

    /// Applies the duplicate and reorder faults, then delivers.
    private func route(_ m: Outgoing) {
        if let held = reorderHeld {
            reorderHeld = nil
            deliver(m)
            deliver(held)
            return
        }
        if reorderRemaining > 0 {
            reorderRemaining -= 1
            reorderHeld = m
            return
        }
        deliver(m)
        if duplicateRemaining > 0 {
            duplicateRemaining -= 1
            deliver(m)
        }
    }

    private func deliver(_ m: Outgoing) {
        guard let ids = topicChannels[m.topic] else { return }
        for id in ids {
            guard let ch = channels[id], let s = ch.socket, !ch.ghost else { continue }
            s.send(m.text)
        }
    }

    /// Sockets currently open, for fault details.
    var openSockets: Int { channels.values.filter { $0.socket != nil }.count }

    /// Applies a fault; returns a short description of what it touched.
    func apply(_ fault: SimFault, realNow: EpochMillis, grace: EpochMillis) -> String {
        switch fault {
        case .ghost:
            var n = 0
            for id in channels.keys where channels[id]?.socket != nil {
                channels[id]?.ghost = true
                n += 1
            }
            return "\(n) socket(s) ghosted"
        case .ghostOne:
            let live = channels.filter { $0.value.socket != nil && !$0.value.ghost }
            guard let newest = live.max(by: { ($0.value.socket?.id ?? 0) < ($1.value.socket?.id ?? 0) }) else {
                return "no live socket to ghost"
            }
            channels[newest.key]?.ghost = true
            return "1 of \(live.count) live socket(s) ghosted (the newest)"
        case .close:
            var n = 0
            for (id, ch) in channels {
                if let s = ch.socket {
                    s.abort()
                    channels[id]?.socket = nil
                    n += 1
                }
            }
            return "\(n) socket(s) closed abruptly"
        case .expireToken:
            return "tokens invalidated"
        case .tokenRefreshFail(let n, let status):
            tokenFaults = n
            tokenFaultStatus = status
            return n == 0 ? "token requests answered again" : "next \(n) token request(s) get HTTP \(status)"
        case .refuseSockets(let n):
            socketRefusals = n
            return n == 0 ? "WebSocket upgrades accepted again" : "next \(n) WebSocket upgrade(s) get HTTP 503"
        case .rateLimit(let n):
            rateLimitFaults += n
            return "next \(n) API call(s) get 429"
        case .httpError(let n, let status):
            httpErrorFaults += n
            httpErrorStatus = status
            return "next \(n) API call(s) get \(status)"
        case .malformed:
            var n = 0
            for ch in channels.values where !ch.ghost {
                if let s = ch.socket, s.send(ChannelMessages.malformed) { n += 1 }
            }
            return "\(n) malformed frame(s) sent"
        case .duplicate(let n):
            duplicateRemaining += n
            return "next \(n) event(s) duplicated"
        case .reorder(let n):
            reorderRemaining += n
            return "next \(n) event(s) reordered"
        case .moveEndpoint:
            let n = channels.count
            for id in Array(channels.keys) {
                channels[id]?.socket?.finish()
                removeChannel(id)
            }
            endpointGeneration += 1
            return "\(n) channel(s) closed; new connectUris use /moved/\(endpointGeneration)/channels/"
        case .channelExpiry:
            let n = channels.count
            for id in Array(channels.keys) { expire(id) }
            return "\(n) channel(s) expired"
        case .deny(let permission):
            deniedPermissions.insert(permission)
            return "permission \(permission) denied"
        case .allow(let permission):
            deniedPermissions.remove(permission)
            return "permission \(permission) granted"
        case .audioHook, .seedAudio, .eventStream:
            return ""  // queued by the AudioHook client or the seed Audio Connector (GenesysSimulator.injectNow)
        case .transcription(let f, let n):
            return model.queueTranscriptionFault(f, count: n)
        case .journey(let f, let n):
            return applyJourney(f, count: n)
        case .socketClosing:
            var n = 0
            for (id, ch) in channels {
                guard let s = ch.socket else { continue }
                if !ch.ghost {
                    s.send(envelope(topic: "v2.system.socket_closing",
                                    body: Array(#"{"message":"WebSocket closing"}"#.utf8),
                                    correlationID: envelopeRNG.uuid()))
                }
                channels[id]?.closingAt = realNow + grace
                n += 1
            }
            return "\(n) socket(s) told socket_closing"
        }
    }

    /// The 403 the platform answers when the client lacks what `method path` needs.
    func permissionRefusal(method: String, path: String) -> APIError? {
        guard !deniedPermissions.isEmpty, let needed = SimPermissions.required(method: method, path: path),
              deniedPermissions.contains(needed) else { return nil }
        return APIError(status: 403, code: "missing.permissions",
                        message: "Unable to perform the requested action. You are missing the following permission(s): [\(needed)]")
    }

    /// Takes one pending injected API failure, if any.
    /// The status the next token request gets (fault `token-refresh-fail`), or nil.
    func takeTokenFault() -> Int? {
        guard tokenFaults > 0 else { return nil }
        tokenFaults -= 1
        return tokenFaultStatus
    }

    func takeInjectedFailure() -> APIError? {
        if httpErrorFaults > 0 {
            httpErrorFaults -= 1
            let code = httpErrorStatus == 503 ? "service.unavailable" : "internal.server.error"
            return APIError(status: httpErrorStatus, code: code, message: "The service is temporarily unavailable (simulated).")
        }
        if rateLimitFaults > 0 {
            rateLimitFaults -= 1
            return APIError(status: 429, code: "too.many.requests.retry.after",
                            message: "Rate limit exceeded the maximum. Retry the request in [1] seconds",
                            headers: [("Retry-After", "1")])
        }
        return nil
    }
}
