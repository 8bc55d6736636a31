/// Finds `"topicName":"…"` in a frame without parsing the JSON, so the normalizer can pick the body
/// type before decoding. The full decode then confirms the topic (a nested `topicName` key cannot
/// mislead the result: ``NotificationNormalizer`` re-routes on a mismatch).
enum TopicSniffer {
    private static let key: [UInt8] = Array("\"topicName\"".utf8)

    /// The first `topicName` string value in `bytes`, or nil when absent or escaped.
    static func topicName(in bytes: [UInt8]) -> String? {
        let n = bytes.count
        let k = key.count
        guard n > k else { return nil }
        var i = 0
        return bytes.withUnsafeBufferPointer { buf -> String? in
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
                        return String(decoding: UnsafeBufferPointer(rebasing: buf[start..<p]), as: UTF8.self)
                    }
                }
                i += 1
            }
            return nil
        }
    }

    @inline(__always) private static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
    }
}
