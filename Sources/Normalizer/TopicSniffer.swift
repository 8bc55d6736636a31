/// Finds `"topicName":"…"` in a frame without parsing the JSON, so the normalizer can pick the body
/// type before decoding. The full decode then confirms the topic (a nested `topicName` key cannot
/// mislead the result: ``NotificationNormalizer`` re-routes on a mismatch).
enum TopicSniffer {
    private static let key: StaticString = "\"topicName\""

    /// The first `topicName` string value in `bytes`, or nil when absent or escaped.
    static func topicName(in bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { buf in
            topicRange(in: buf).map { String(decoding: UnsafeBufferPointer(rebasing: buf[$0]), as: UTF8.self) }
        }
    }

    /// The byte range of the first `topicName` string value in `buf`, or nil when absent or escaped.
    static func topicRange(in buf: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        let n = buf.count
        let k = key.utf8CodeUnitCount
        let key = key.utf8Start
        guard n > k else { return nil }
        var i = 0
        while i + k <= n {
            if buf[i] == 0x22 {  // "
                var match = true
                for j in 1..<k where buf[i + j] != key[j] {
                    match = false
                    break
                }
                if match {
                    var p = i + k
                    while p < n, isSpace(buf[p]) { p += 1 }
                    guard p < n, buf[p] == 0x3A else { return nil }  // :
                    p += 1
                    while p < n, isSpace(buf[p]) { p += 1 }
                    guard p < n, buf[p] == 0x22 else { return nil }
                    p += 1
                    let start = p
                    while p < n, buf[p] != 0x22 {
                        if buf[p] == 0x5C { return nil }  // escapes: let the decoder handle it
                        p += 1
                    }
                    guard p < n else { return nil }
                    return start..<p
                }
            }
            i += 1
        }
        return nil
    }

    @inline(__always) private static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
    }
}
