import Foundation
import Hummingbird
import NIOCore

/// Serves the dashboard's static files from the `Dashboard` resource folder (`Bundle.module`):
/// no directory traversal, no hidden files, content type by extension.
struct DashboardFiles: Sendable {
    let root: URL?

    init() {
        root = Bundle.module.url(forResource: "Dashboard", withExtension: nil)
    }

    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8",
        "js": "text/javascript; charset=utf-8", "mjs": "text/javascript; charset=utf-8",
        "css": "text/css; charset=utf-8", "json": "application/json; charset=utf-8",
        "svg": "image/svg+xml", "png": "image/png", "ico": "image/x-icon", "jpg": "image/jpeg",
        "jpeg": "image/jpeg", "woff2": "font/woff2", "woff": "font/woff", "txt": "text/plain; charset=utf-8",
        "map": "application/json; charset=utf-8", "webmanifest": "application/manifest+json",
    ]

    /// True for a relative path made only of safe components (no `..`, no hidden files, no backslashes).
    static func isSafe(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\\"), !path.contains("%") else { return false }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.allSatisfy { part in
            !part.isEmpty && !part.hasPrefix(".")
                && part.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) }
        }
    }

    func response(for path: String) -> Response {
        guard Self.isSafe(path), let root else { return Self.notFound }
        let url = root.appendingPathComponent(path)
        var isDirectory: ObjCBool = false
        guard url.standardizedFileURL.path.hasPrefix(root.standardizedFileURL.path),
            FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
            let data = FileManager.default.contents(atPath: url.path)
        else { return Self.notFound }
        let type = Self.contentTypes[url.pathExtension.lowercased()] ?? "application/octet-stream"
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static var notFound: Response {
        Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: "not found\n")))
    }
}
