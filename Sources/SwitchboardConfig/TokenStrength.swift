import Foundation

/// How hard a static bearer token (`clients[].token`) is to guess, estimated from its length and
/// the smallest alphabet it is written in. The loader refuses tokens under ``requiredBits``.
///
/// The estimate assumes the characters were drawn at random from that alphabet (as `openssl rand`
/// does), so it is an upper bound: a long English phrase passes. It exists to catch the short,
/// memorable tokens (`x`, `dashboard`, `demo-global`) that a network scan guesses in minutes.
public struct TokenStrength: Sendable, Equatable {
    /// A token must withstand about 2^128 guesses.
    public static let requiredBits = 128
    /// Fewer different characters than this mark a token as patterned (`aaaa…`), whatever its length.
    static let minimumDistinctCharacters = 8

    /// The alphabet the token fits, for the message.
    public let alphabet: String
    /// Characters counted (a UUID's hyphens are not).
    public let characters: Int
    /// Estimated bits of randomness.
    public let bits: Int
    public let distinctCharacters: Int

    public init(_ token: String) {
        let scalars = Array(token.unicodeScalars)
        distinctCharacters = Set(scalars).count
        let isDigit: (Unicode.Scalar) -> Bool = { ("0"..."9").contains($0) }
        let isHex: (Unicode.Scalar) -> Bool = { isDigit($0) || ("a"..."f").contains($0) || ("A"..."F").contains($0) }
        let isAlnum: (Unicode.Scalar) -> Bool = { $0.isASCII && CharacterSet.alphanumerics.contains($0) }
        let perCharacter: Double
        if scalars.allSatisfy(isDigit) {
            (alphabet, characters, perCharacter) = ("decimal digits", scalars.count, log2(10))
        } else if scalars.allSatisfy(isHex) {
            (alphabet, characters, perCharacter) = ("hex digits", scalars.count, 4)
        } else if scalars.allSatisfy({ isHex($0) || $0 == "-" }) {
            // A UUID or a grouped hex key: the hyphens carry nothing.
            (alphabet, characters, perCharacter) = ("hex digits", scalars.filter(isHex).count, 4)
        } else if scalars.allSatisfy({ isAlnum($0) || "-_+/=".unicodeScalars.contains($0) }) {
            let padding = scalars.reversed().prefix { $0 == "=" }.count
            (alphabet, characters, perCharacter) = ("base64 characters", scalars.count - padding, 6)
        } else {
            (alphabet, characters, perCharacter) = ("printable characters", scalars.count, log2(95))
        }
        bits = Int((Double(characters) * perCharacter).rounded(.down))
    }

    /// True when the token is long and varied enough.
    public var isStrong: Bool {
        bits >= Self.requiredBits && distinctCharacters >= Self.minimumDistinctCharacters
    }

    /// Why the token is refused (no part of the token itself), or nil when it is strong.
    public var problem: String? {
        if bits < Self.requiredBits {
            return "the token is too easy to guess (\(characters) \(alphabet), about \(bits) bits; "
                + "at least \(Self.requiredBits) are required)"
        }
        if distinctCharacters < Self.minimumDistinctCharacters {
            return "the token repeats a pattern (only \(distinctCharacters) different characters)"
        }
        return nil
    }
}
