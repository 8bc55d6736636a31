import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// Request context that keeps the NIO channel, so a socket can be closed abruptly (faults, slow clients).
struct SimRequestContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<SimRequestContext>
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = source.channel
    }
}

/// Response helpers.
enum SimHTTP {
    static let correlationHeader = HTTPFields.Element.Name("ININ-Correlation-Id")!
    static let countHeader = HTTPFields.Element.Name("inin-ratelimit-count")!
    static let allowedHeader = HTTPFields.Element.Name("inin-ratelimit-allowed")!
    static let resetHeader = HTTPFields.Element.Name("inin-ratelimit-reset")!

    static func json(_ status: HTTPResponse.Status, _ bytes: [UInt8], headers: HTTPFields = [:]) -> Response {
        var h = headers
        h[.contentType] = "application/json"
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func error(_ e: APIError, contextID: String, headers: HTTPFields = [:]) -> Response {
        var h = headers
        for (k, v) in e.headers { if let name = HTTPFields.Element.Name(k) { h[name] = v } }
        return json(.init(code: e.status), e.body(contextID: contextID), headers: h)
    }
}
