import Foundation
import Models

/// GPU profiles (`profiles/gpus`) and export rules (`profiles/rules`): load by id, list ids.
public struct HardwareCatalog: Sendable {
    public var profiles: URL
    public var gpuDirectory: URL { profiles.appendingPathComponent("gpus") }
    public var ruleDirectory: URL { profiles.appendingPathComponent("rules") }
    public var calibrationDirectory: URL { profiles.appendingPathComponent("calibration") }
    public var validationDirectory: URL { profiles.appendingPathComponent("validation") }
    /// The calibration every GPU inherits unless another is named.
    public static let defaultCalibration = "h800-deepseek"
    /// The model catalog over the same profiles directory.
    public var models: ModelCatalog { ModelCatalog(directory: profiles.appendingPathComponent("models")) }

    /// Finds `profiles/` from `root` (a repository root or the profiles directory) or the defaults of
    /// `ProfileFile.directory(root:)`.
    public init(root: String? = nil) { profiles = ProfileFile.directory(root: root) }
    public init(profiles: URL) { self.profiles = profiles }

    public func gpuIDs() throws(ProfileError) -> [String] { try ProfileFile.ids(in: gpuDirectory) }
    public func ruleIDs() throws(ProfileError) -> [String] { try ProfileFile.ids(in: ruleDirectory) }

    /// Loads and validates one GPU; unknown ids list the known ones.
    public func gpu(_ id: String) throws(ProfileError) -> GPUProfile {
        let name = try ProfileFile.resolve(id: id, kind: "gpu", in: gpuDirectory)
        let g = try ProfileFile.load(GPUProfile.self, id: name, kind: "gpu", in: gpuDirectory)
        let file = gpuDirectory.appendingPathComponent(name + ".json").path
        try g.validate(file: file)
        if g.id != name { throw .malformed(file: file, field: "id", expected: "\"\(name)\" (the file name)") }
        return g
    }

    /// Every GPU profile, by id.
    public func allGPUs() throws(ProfileError) -> [GPUProfile] {
        var out: [GPUProfile] = []
        for id in try gpuIDs() { out.append(try gpu(id)) }
        return out
    }

    /// Loads and validates one export rule.
    public func rule(_ id: String) throws(ProfileError) -> ExportRule {
        let name = try ProfileFile.resolve(id: id, kind: "rule", in: ruleDirectory)
        let r = try ProfileFile.load(ExportRule.self, id: name, kind: "rule", in: ruleDirectory)
        try r.validate(file: ruleDirectory.appendingPathComponent(name + ".json").path)
        return r
    }

    /// Loads and validates one calibration (`profiles/calibration/<id>.json`).
    public func calibration(_ id: String = HardwareCatalog.defaultCalibration) throws(ProfileError) -> Calibration {
        let name = try ProfileFile.resolve(id: id, kind: "calibration", in: calibrationDirectory)
        let c = try ProfileFile.load(Calibration.self, id: name, kind: "calibration", in: calibrationDirectory)
        let file = calibrationDirectory.appendingPathComponent(name + ".json").path
        try c.validate(file: file)
        if c.id != name { throw .malformed(file: file, field: "id", expected: "\"\(name)\" (the file name)") }
        return c
    }

    /// Loads and validates one validation table (`profiles/validation/<id>.json`).
    public func validationTable(_ id: String = "components") throws(ProfileError) -> ValidationTable {
        let name = try ProfileFile.resolve(id: id, kind: "validation table", in: validationDirectory)
        let t = try ProfileFile.load(ValidationTable.self, id: name, kind: "validation table", in: validationDirectory)
        try t.validate(file: validationDirectory.appendingPathComponent(name + ".json").path)
        return t
    }

    public func model(_ id: String) throws(ProfileError) -> ModelConfig { try models.load(id: id) }
}
