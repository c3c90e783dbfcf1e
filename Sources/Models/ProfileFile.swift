import Foundation
import KernelContract

/// Why a profile file (`profiles/**/*.json`) could not be used. Every case names the file; decoding
/// failures also name the field (as a dotted path such as `denseTFLOPS.bf16`) and what was expected.
public enum ProfileError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The profiles directory itself is missing.
    case missingDirectory(path: String)
    /// No profile with this id; `known` lists the ids that exist.
    case unknownProfile(kind: String, id: String, known: [String])
    /// The file exists but could not be read.
    case unreadable(file: String, reason: String)
    /// The file is not valid JSON, or a field is missing or has the wrong type or value.
    case malformed(file: String, field: String, expected: String)

    public var description: String {
        switch self {
        case .missingDirectory(let path):
            return "profiles directory not found: \(path) (pass --profiles DIR or run from the repository root)"
        case .unknownProfile(let kind, let id, let known):
            return "unknown \(kind) '\(id)'; known \(kind)s: \(known.joined(separator: ", "))"
        case .unreadable(let file, let reason):
            return "\(file): cannot read: \(reason)"
        case .malformed(let file, let field, let expected):
            return "\(file): field '\(field)': expected \(expected)"
        }
    }
}

/// Reads profile files: locating the `profiles/` directory, listing ids and decoding one file with
/// errors mapped to the file and field. Shared by the model catalog and the simulator's GPU/rule data.
public enum ProfileFile {
    /// The `profiles/` directory. Order: an explicit `root` (a repository root or the profiles directory
    /// itself), `$KTUNE_PROFILES`, `./profiles` or a parent's `profiles/`, then the source checkout this
    /// module was compiled from (so tests find it via `#filePath`).
    public static func directory(root: String? = nil, sourceFile: String = #filePath) -> URL {
        let fm = FileManager.default
        func isProfilesDir(_ url: URL) -> Bool {
            // A profiles directory holds both models/ and gpus/ (the repository root has a models/
            // folder too: the downloaded weights).
            func isDirectory(_ name: String) -> Bool {
                var isDir: ObjCBool = false
                return fm.fileExists(atPath: url.appendingPathComponent(name).path, isDirectory: &isDir)
                    && isDir.boolValue
            }
            return isDirectory("models") && isDirectory("gpus")
        }
        if let root {
            let url = URL(fileURLWithPath: root)
            if isProfilesDir(url) { return url }
            return url.appendingPathComponent("profiles")
        }
        if let env = ProcessInfo.processInfo.environment["KTUNE_PROFILES"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        var dir = URL(fileURLWithPath: fm.currentDirectoryPath)
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("profiles")
            if isProfilesDir(candidate) { return candidate }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { break }
            dir = parent
        }
        // Sources/Models/ProfileFile.swift → repository root.
        return URL(fileURLWithPath: sourceFile)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("profiles")
    }

    /// The ids (file names without `.json`) in `directory`, sorted.
    public static func ids(in directory: URL) throws(ProfileError) -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw .missingDirectory(path: directory.path)
        }
        return names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// The file id in `directory` that `id` names. Ids are file names; a different letter case still
    /// finds the file ("H800-SXM" → "h800-sxm"). An unknown id lists the known ones.
    public static func resolve(id: String, kind: String, in directory: URL) throws(ProfileError) -> String {
        let known = try ids(in: directory)
        guard let match = known.first(where: { $0 == id }) ?? known.first(where: { $0.lowercased() == id.lowercased() })
        else { throw .unknownProfile(kind: kind, id: id, known: known) }
        return match
    }

    /// Decodes `<directory>/<id>.json`; an unknown id lists the known ones (`kind` names the profile kind).
    public static func load<T: Decodable>(_ type: T.Type, id: String, kind: String,
                                          in directory: URL) throws(ProfileError) -> T {
        let match = try resolve(id: id, kind: kind, in: directory)
        return try decode(type, file: directory.appendingPathComponent(match + ".json"))
    }

    /// Decodes one JSON file, mapping `DecodingError` to the file and the dotted field path.
    public static func decode<T: Decodable>(_ type: T.Type, file: URL) throws(ProfileError) -> T {
        let data: Data
        do { data = Data(try UntrustedFile.read(file.path, cap: UntrustedFile.Cap.document)) } catch {
            throw .unreadable(file: file.path, reason: error.detail)
        }
        return try decode(type, data: data, fileName: file.path)
    }

    /// Decodes JSON bytes; `fileName` is used in errors.
    public static func decode<T: Decodable>(_ type: T.Type, data: Data,
                                            fileName: String) throws(ProfileError) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw map(error, fileName: fileName)
        } catch let error as ProfileError {
            throw error
        } catch {
            throw .malformed(file: fileName, field: "(root)", expected: "\(error)")
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        let parts = codingPath.map { key -> String in
            if let i = key.intValue { return "[\(i)]" }
            return key.stringValue
        }
        var out = ""
        for p in parts {
            if p.hasPrefix("[") || out.isEmpty { out += p } else { out += "." + p }
        }
        return out.isEmpty ? "(root)" : out
    }

    static func map(_ error: DecodingError, fileName: String) -> ProfileError {
        switch error {
        case .keyNotFound(let key, let ctx):
            let field = path(ctx.codingPath + [key])
            return .malformed(file: fileName, field: field, expected: "a value (the field is missing)")
        case .typeMismatch(let type, let ctx):
            return .malformed(file: fileName, field: path(ctx.codingPath), expected: "a value of type \(type)")
        case .valueNotFound(let type, let ctx):
            return .malformed(file: fileName, field: path(ctx.codingPath), expected: "a value of type \(type), not null")
        case .dataCorrupted(let ctx):
            let detail = ctx.debugDescription
            if ctx.codingPath.isEmpty {
                return .malformed(file: fileName, field: "(root)", expected: "valid JSON (\(detail))")
            }
            return .malformed(file: fileName, field: path(ctx.codingPath), expected: detail)
        @unknown default:
            return .malformed(file: fileName, field: "(root)", expected: "\(error)")
        }
    }
}
