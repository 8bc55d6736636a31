import SwitchboardCore

/// A change point: at `at` the presence and/or routing status became these values.
/// Code 0 means "not set by this point" (the previous value carries forward).
/// Packed into 8 bytes: 48 bits of epoch ms (until year 10889), 12 bits presence, 4 bits routing.
struct StatusPoint: Equatable {
    private var raw: UInt64
    private static let timeMask: UInt64 = (1 << 48) - 1

    init(at: Int64, presence: UInt16, routing: UInt8) {
        raw = UInt64(clamping: max(0, at)) & Self.timeMask
        self.presence = presence
        self.routing = routing
    }

    var at: Int64 { Int64(raw & Self.timeMask) }

    var presence: UInt16 {
        get { UInt16((raw >> 48) & 0xFFF) }
        set { raw = (raw & ~(UInt64(0xFFF) << 48)) | (UInt64(newValue & 0xFFF) << 48) }
    }

    var routing: UInt8 {
        get { UInt8((raw >> 60) & 0xF) }
        set { raw = (raw & ~(UInt64(0xF) << 60)) | (UInt64(newValue & 0xF) << 60) }
    }
}

/// One conversation of one agent: talk `[start, talkEnd)`, after-call work `[talkEnd, end)`.
/// `Int64.max` means "not ended yet". Ends are stored as 32-bit offsets from `start` (32 bytes in all); an
/// end the routing status gave rather than a snapshot (``closedByRouting``) is stored as `-offset - 1`.
struct InteractionSpan: Equatable {
    var key: UInt64
    var start: Int64
    var observedAt: Int64
    private var talkOffset: Int32
    private var endOffset: Int32

    init(key: UInt64, start: Int64, talkEnd: Int64, end: Int64, observedAt: Int64, closedByRouting: Bool = false) {
        self.key = key
        self.start = start
        self.observedAt = observedAt
        talkOffset = Self.offset(talkEnd, from: start)
        endOffset = Self.offset(end, from: start)
        if closedByRouting && endOffset != .max { endOffset = -endOffset - 1 }
    }

    private static func offset(_ t: Int64, from start: Int64) -> Int32 {
        t == .max ? .max : Int32(clamping: min(max(0, t - start), Int64(Int32.max) - 1))
    }

    var talkEnd: Int64 { talkOffset == .max ? .max : start + Int64(talkOffset) }
    var end: Int64 {
        endOffset == .max ? .max : start + Int64(endOffset < 0 ? -(endOffset + 1) : endOffset)
    }
    /// No snapshot said when it ended: the routing status did (``AgentTimeline/settled(_:)``).
    var closedByRouting: Bool { endOffset < 0 }
}

/// What an agent is doing, derived from presence, routing status and interactions.
enum AgentActivity: UInt8 {
    case unknown, offline, offQueue, onQueue, idle, notResponding, interacting, acw

    var label: String {
        switch self {
        case .unknown: "unknown"
        case .offline: "offline"
        case .offQueue: "offQueue"
        case .onQueue: "onQueue"
        case .idle: "idle"
        case .notResponding: "notResponding"
        case .interacting: "interacting"
        case .acw: "acw"
        }
    }
}

/// The state during one segment of time.
struct SegmentState: Equatable {
    var presence: UInt16 = 0
    var routing: UInt8 = 0
    var talk = false
    var acw = false

    var handling: Bool { talk || acw || routing == RoutingCode.interacting || routing == RoutingCode.communicating }

    func activity(offlineCode: UInt16, onQueueCode: UInt16) -> AgentActivity {
        if acw { return .acw }
        if talk || routing == RoutingCode.interacting || routing == RoutingCode.communicating { return .interacting }
        if presence != 0 && presence == offlineCode { return .offline }
        switch routing {
        case RoutingCode.idle: return .idle
        case RoutingCode.notResponding: return .notResponding
        case RoutingCode.offQueue: return .offQueue
        default: break
        }
        if presence == 0 { return .unknown }
        return presence == onQueueCode ? .onQueue : .offQueue
    }
}

/// Routing statuses as one-byte codes (0 = unknown).
enum RoutingCode {
    static let offQueue: UInt8 = 1
    static let idle: UInt8 = 2
    static let interacting: UInt8 = 3
    static let notResponding: UInt8 = 4
    static let communicating: UInt8 = 5

    static func code(_ s: RoutingStatus?) -> UInt8 {
        switch s {
        case nil: 0
        case .offQueue: offQueue
        case .idle: idle
        case .interacting: interacting
        case .notResponding: notResponding
        case .communicating: communicating
        }
    }

    static func status(_ c: UInt8) -> RoutingStatus? {
        switch c {
        case offQueue: .offQueue
        case idle: .idle
        case interacting: .interacting
        case notResponding: .notResponding
        case communicating: .communicating
        default: nil
        }
    }
}

/// One agent's recent history: change points and interactions since `foldedUpTo`, on top of the
/// state at `foldedUpTo`. Compact by design (a few hundred bytes for a busy hour).
struct AgentTimeline {
    var basePresence: UInt16 = 0
    var baseRouting: UInt8 = 0
    /// Event times of the base values, so a late event older than the fold is applied only when newer.
    var basePresenceAt: Int64 = .min
    var baseRoutingAt: Int64 = .min
    /// Keys of interactions already folded away: a late copy of their snapshot is ignored.
    var foldedKeys: [UInt64] = []
    /// Everything at or before this time has been folded into `base*` (and today's totals).
    var foldedUpTo: Int64 = .min
    var points: [StatusPoint] = []
    var spans: [InteractionSpan] = []

    /// Inserts a change at its event time; merges with a point at the same time. Returns false when
    /// nothing changed (a duplicate) or the event is older than the folded history.
    mutating func apply(at: Int64, presence: UInt16, routing: UInt8) -> Bool {
        guard presence != 0 || routing != 0 else { return false }
        let at = max(0, at)
        if at < foldedUpTo {
            // Older than the kept history: it can only update the base state, and only if newer.
            var changed = false
            if presence != 0 && at >= basePresenceAt {
                changed = changed || basePresence != presence
                basePresence = presence
                basePresenceAt = at
            }
            if routing != 0 && at >= baseRoutingAt {
                changed = changed || baseRouting != routing
                baseRouting = routing
                baseRoutingAt = at
            }
            return changed
        }
        var lo = 0
        var hi = points.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if points[mid].at < at { lo = mid + 1 } else { hi = mid }
        }
        if lo < points.count && points[lo].at == at {
            var p = points[lo]
            if presence != 0 { p.presence = presence }
            if routing != 0 { p.routing = routing }
            if p == points[lo] { return false }
            points[lo] = p
        } else {
            points.insert(StatusPoint(at: at, presence: presence, routing: routing), at: lo)
        }
        if routing != 0 { settleSpans() }
        return true
    }

    /// Adds or replaces an interaction; an older snapshot than the one held changes nothing.
    mutating func apply(span incoming: InteractionSpan) -> Bool {
        let span = settled(incoming)
        if let i = spans.firstIndex(where: { $0.key == span.key }) {
            guard span.observedAt >= spans[i].observedAt, spans[i] != span else { return false }
            spans[i] = span
            return true
        }
        guard span.end > foldedUpTo, !foldedKeys.contains(span.key) else { return false }
        spans.append(span)
        return true
    }

    /// A routing status that says the agent is not interacting (a known one: 0 says nothing).
    static func endsInteraction(_ routing: UInt8) -> Bool {
        routing == RoutingCode.idle || routing == RoutingCode.offQueue || routing == RoutingCode.notResponding
    }

    static func isInteracting(_ routing: UInt8) -> Bool {
        routing == RoutingCode.interacting || routing == RoutingCode.communicating
    }

    /// The time of the first change point after `t` where the routing status goes from interacting to not
    /// interacting. A status that stays idle throughout says nothing about a conversation (a direct call
    /// leaves the routing status alone), so only the transition counts.
    func firstNotInteracting(after t: Int64) -> Int64? {
        var routing = baseRouting
        for p in points {
            if p.at > t, Self.isInteracting(routing), Self.endsInteraction(p.routing) { return p.at }
            if p.routing != 0 { routing = p.routing }
        }
        return nil
    }

    /// An interaction whose end no snapshot gave ends where the routing status first goes from interacting to
    /// not interacting after its latest snapshot. A conversation that ended while no socket was open sends no
    /// further event, and the re-sync's history brings only presence and routing-status records: without
    /// this rule its talk or after-call work would count as handling until the open-interaction cap (4 h),
    /// in every window, long after the platform's routing status (what handling is defined by) went idle.
    /// A later snapshot with its real times replaces the span; a routing change that comes later but is
    /// older settles it again (the earliest such change wins).
    func settled(_ s: InteractionSpan) -> InteractionSpan {
        guard s.end == .max || s.closedByRouting else { return s }
        // Undo an earlier settling: the talk had not ended either when it was closed at the same instant.
        let talkEnd = s.closedByRouting && s.talkEnd == s.end ? Int64.max : s.talkEnd
        guard let t = firstNotInteracting(after: max(s.start, s.observedAt)) else {
            return InteractionSpan(key: s.key, start: s.start, talkEnd: talkEnd, end: .max, observedAt: s.observedAt)
        }
        return InteractionSpan(key: s.key, start: s.start, talkEnd: min(talkEnd, t), end: t, observedAt: s.observedAt,
                               closedByRouting: true)
    }

    /// Re-settles the open interactions after a routing change point came or changed.
    private mutating func settleSpans() {
        for i in spans.indices where spans[i].end == .max || spans[i].closedByRouting {
            spans[i] = settled(spans[i])
        }
    }

    /// Visits the segments of `[a, b)` with their state; returns the state at `b` (points at or
    /// before `b` applied, spans evaluated at `b`).
    @discardableResult
    func sweep(from a: Int64, to b: Int64, openCap: Int64,
               _ visit: (Int64, Int64, SegmentState) -> Void) -> SegmentState {
        var st = SegmentState(presence: basePresence, routing: baseRouting)
        var pi = 0
        while pi < points.count && points[pi].at <= a {
            if points[pi].presence != 0 { st.presence = points[pi].presence }
            if points[pi].routing != 0 { st.routing = points[pi].routing }
            pi += 1
        }
        var t = a
        while t < b {
            var next = b
            if pi < points.count && points[pi].at < next { next = points[pi].at }
            st.talk = false
            st.acw = false
            for s in spans {
                let end = s.end == .max ? s.start &+ openCap : s.end
                if s.start > t && s.start < next { next = s.start }
                if s.talkEnd > t && s.talkEnd < next { next = s.talkEnd }
                if end > t && end < next { next = end }
                if s.start <= t && t < end {
                    if t < s.talkEnd { st.talk = true } else { st.acw = true }
                }
            }
            visit(t, next, st)
            t = next
            while pi < points.count && points[pi].at <= t {
                if points[pi].presence != 0 { st.presence = points[pi].presence }
                if points[pi].routing != 0 { st.routing = points[pi].routing }
                pi += 1
            }
        }
        st.talk = false
        st.acw = false
        for s in spans {
            let end = s.end == .max ? s.start &+ openCap : s.end
            if s.start <= b && b < end {
                if b < s.talkEnd { st.talk = true } else { st.acw = true }
            }
        }
        return st
    }

    /// The time of the last presence or routing status change at or before `t` that the timeline holds (a point,
    /// else the folded base state's); nil when none is known, or when an interaction kept overlaps `[that time, t)`
    /// (the activity changed in between without a status change).
    func lastChange(atOrBefore t: Int64) -> Int64? {
        var lo = 0
        var hi = points.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if points[mid].at <= t { lo = mid + 1 } else { hi = mid }
        }
        let at: Int64
        if lo > 0 {
            at = points[lo - 1].at
        } else {
            at = max(basePresenceAt, baseRoutingAt)
            guard at != .min else { return nil }
        }
        guard !spans.contains(where: { $0.start < t && $0.end > at }) else { return nil }
        return at
    }

    /// The latest known presence and routing status (every point applied, even future ones).
    var latest: (presence: UInt16, routing: UInt8) {
        var p = basePresence
        var r = baseRouting
        for point in points {
            if point.presence != 0 { p = point.presence }
            if point.routing != 0 { r = point.routing }
        }
        return (p, r)
    }

    /// Folds everything up to `horizon` into the base state, calling `accumulate` for the segments
    /// of `[from, horizon)` so the caller can add them to today's totals. Drops ended interactions.
    mutating func fold(to horizon: Int64, accumulateFrom from: Int64, openCap: Int64,
                       _ accumulate: (Int64, Int64, SegmentState) -> Void) {
        guard horizon > foldedUpTo else { return }
        let start = max(from, foldedUpTo)
        if start < horizon { sweep(from: start, to: horizon, openCap: openCap, accumulate) }
        var k = 0
        while k < points.count && points[k].at <= horizon {
            if points[k].presence != 0 {
                basePresence = points[k].presence
                basePresenceAt = points[k].at
            }
            if points[k].routing != 0 {
                baseRouting = points[k].routing
                baseRoutingAt = points[k].at
            }
            k += 1
        }
        if k > 0 { points.removeFirst(k) }
        var i = 0
        while i < spans.count {
            let s = spans[i]
            if (s.end == .max ? s.start &+ openCap : s.end) <= horizon {
                foldedKeys.append(s.key)
                spans.remove(at: i)
            } else {
                i += 1
            }
        }
        if foldedKeys.count > 8 { foldedKeys.removeFirst(foldedKeys.count - 8) }
        Self.trim(&points)
        Self.trim(&spans)
        foldedUpTo = horizon
    }

    /// Gives back storage that folding left unused (arrays never shrink on their own).
    private static func trim<T>(_ a: inout [T]) {
        guard a.capacity >= 16, a.capacity >= 2 * (a.count + 4) else { return }
        var copy: [T] = []
        copy.reserveCapacity(a.count + 4)
        copy.append(contentsOf: a)
        a = copy
    }

    /// FNV-1a 64 of a conversation id: the span key.
    static func key(_ conversationID: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in conversationID.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }
}
