import Foundation
import SwitchboardCore
import Yams

/// Secrets come from the environment (`key: ${NAME}`) or from a file (`keyFile: path`), never from the
/// YAML itself. A file suits secrets mounted by Kubernetes or systemd credentials: it is read at every
/// load, and the supervisor watches it, so a rotated secret (or an org added live) needs no restart.
extension ConfigReader {
    /// The secret under `key` (a `${NAME}` reference) or `key + "File"` (a path), exactly one of them.
    /// - Returns: `present` false when neither key is written (nothing reported unless `required`);
    ///   `secret` nil after a reported problem, and empty when `--no-env` left it unchecked.
    func secret(_ f: Fields, _ key: String, suggestedVariable: String, fileExample: String, required: Bool)
        -> (secret: Secret?, present: Bool)
    {
        let fileKey = key + "File"
        switch (f[key], f[fileKey]) {
        case (let node?, nil):
            return (secretReference(node, path: f.path(key), suggestedVariable: suggestedVariable), true)
        case (nil, let node?):
            return (secretFile(node, path: f.path(fileKey)), true)
        case (.some, .some):
            report("value", at: f.keyMark(fileKey), "\(f.label): both '\(key)' and '\(fileKey)' are given; keep one")
            return (nil, true)
        case (nil, nil):
            if required && !f.hasOrSuggests(key) && !f.hasOrSuggests(fileKey) {
                report("missing-key", at: f.mark, "\(f.label): missing required key '\(key)'; add '\(key): "
                    + "${\(suggestedVariable)}' or '\(fileKey): \(fileExample)'")
            }
            return (nil, false)
        }
    }

    /// A secret read from the file at the node's path (relative paths start at the configuration file's
    /// directory). Surrounding whitespace, such as the trailing newline `echo` leaves, is dropped. The
    /// content is never printed.
    func secretFile(_ node: Node, path: String) -> Secret? {
        let before = diagnostics.count
        guard let value = text(node, path: path, expected: "a file path", example: "/run/secrets/genesys-us") else {
            // A path built from an unset variable under --no-env (${CREDENTIALS_DIRECTORY}/…): unchecked.
            return !options.requireSecrets && diagnostics.count == before ? Secret("") : nil
        }
        let name = value.trimmingWhitespace()
        guard !name.isEmpty else {
            report("value", at: node.mark, "\(path): the path is empty; write the path of the file holding the secret")
            return nil
        }
        let url = resolve(name)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            if !options.requireSecrets {
                skip(url.path)
                return Secret("")  // unchecked: a placeholder keeps the rest of the section checked
            }
            let why = FileManager.default.fileExists(atPath: url.path) ? "cannot read" : "no such file"
            report("secret-file", at: node.mark, "\(path): \(why) '\(url.path)'; check the path (relative paths "
                + "start at the config file's directory) and that the bridge's user may read the file")
            return nil
        }
        readFiles.append(url.path)
        guard let text = String(data: data, encoding: .utf8) else {
            report("secret-file", at: node.mark, "\(path): '\(url.path)' is not UTF-8 text; write the secret as text")
            return nil
        }
        let secret = text.trimmingWhitespace()
        guard !secret.isEmpty else {
            report("secret-file", at: node.mark, "\(path): '\(url.path)' is empty; write the secret into it")
            return nil
        }
        return Secret(secret)
    }

    /// An absolute path, or one relative to the configuration file's directory.
    func resolve(_ path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : baseDirectory.appendingPathComponent(path)
    }
}
