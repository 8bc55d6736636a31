/// The media a journey has passed through, in order, a medium repeated only after another one
/// (`voice→chat→email`; two calls in a row are `voice`).
public struct JourneyPath: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let media: [JourneyMedia]

    public init(_ media: [JourneyMedia]) {
        var collapsed: [JourneyMedia] = []
        for m in media where collapsed.last != m { collapsed.append(m) }
        self.media = collapsed
    }

    /// Changes of medium along the path.
    public var switches: Int { max(0, media.count - 1) }

    /// `voice→chat→email`; `none` before the first contact.
    public var description: String {
        media.isEmpty ? "none" : media.map(\.rawValue).joined(separator: "→")
    }

    public static func < (a: JourneyPath, b: JourneyPath) -> Bool {
        a.media.lexicographicallyPrecedes(b.media)
    }
}
