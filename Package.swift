// swift-tools-version: 6.1
import PackageDescription

/// Kernel code is compiled with `-Ounchecked` and the host CPU as target: without a target CPU, Swift's
/// SIMD FMAs lower to one `fmaf` call per lane (~200x slower, measured on this project's 2-vCPU EPYC machines with Swift 6.3.1).
let hotCode: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-target-cpu", "native"])]
/// Code that parses or validates untrusted input (GGUF, topologies, tokenizer) keeps Swift's overflow and
/// bounds checks: the host CPU as target (dequantization and measurement loops still vectorize), never
/// `-Ounchecked`. Only kernels behind validated shapes run unchecked.
let checkedCode: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "native"])]

let package = Package(
    name: "ktune",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ktune", targets: ["ktune"]),
        .library(name: "Kernels", targets: ["Kernels"]),
        .library(name: "Inference", targets: ["Inference"]),
        .library(name: "Simulator", targets: ["Simulator"]),
    ],
    /// `Store`: the shared results store on PostgreSQL (`--store`, `ktune store`). Off by default: PostgresNIO
    /// brings SwiftNIO, NIOSSL (BoringSSL) and swift-crypto, which multiply a clean build's time (docs/store.md);
    /// `swift build --traits Store` turns it on, and CI (scripts/test.sh) always does.
    traits: [
        .trait(name: "Store", description: "Shared results store on PostgreSQL (ktune store, --store on tune and generate)."),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
    ],
    targets: [
        // System libraries (Debian: libhwloc-dev, libnuma-dev).
        .systemLibrary(name: "CHwloc", path: "Sources/CHwloc", pkgConfig: "hwloc",
                       providers: [.apt(["libhwloc-dev"])]),
        .systemLibrary(name: "CNuma", path: "Sources/CNuma", pkgConfig: "numa",
                       providers: [.apt(["libnuma-dev"])]),
        // x86 SIMD intrinsics (header only) for the quantized kernels' vpdpbusd path.
        .systemLibrary(name: "CX86", path: "Sources/CX86"),

        // machine -> Machine
        .target(name: "Probe", dependencies: ["CHwloc", "CNuma", "Measure", "KernelContract", "ThreadRuntime"], path: "Sources/Probe",
                swiftSettings: checkedCode),

        // The kernel-family contract (leaf): family ids, typed shapes (key, parse, bucket, FLOPs, bytes),
        // parameter sets and their bounds, machine traits, kernel errors. Imports nothing.
        .target(name: "KernelContract", dependencies: [], path: "Sources/KernelContract"),

        // The one pinned-thread runtime (leaf over hwloc): persistent core-bound threads and their dispatch,
        // shared by the kernels' worker pool and the probe's microbenchmarks.
        .target(name: "ThreadRuntime", dependencies: ["CHwloc"], path: "Sources/ThreadRuntime", swiftSettings: hotCode),

        // The kernel library: pure compute, its search spaces, references and the worker pool.
        .target(name: "Kernels", dependencies: ["CHwloc", "CX86", "KernelContract", "ThreadRuntime"], path: "kernels", swiftSettings: hotCode),

        // Tuned-config file format and loader: shared by the tuner (writer) and inference core (reader).
        .target(name: "Configs", dependencies: ["KernelContract"], path: "Sources/Configs"),

        // Model configs, op graph, GGUF reader, tokenizer.
        .target(name: "Models", dependencies: ["KernelContract"], path: "Sources/Models", swiftSettings: checkedCode),

        // Search, verification, measurement, journal.
        .target(name: "Tuner", dependencies: ["Probe", "KernelContract", "Kernels", "Configs", "Models", "Measure"], path: "Sources/Tuner"),

        // The LLM engine.
        .target(name: "Inference", dependencies: ["KernelContract", "Kernels", "Configs", "Models", "Measure"], path: "Sources/Inference",
                swiftSettings: hotCode),

        // GPU cost model.
        .target(name: "Simulator", dependencies: ["Models"], path: "Sources/Simulator"),

        // Clock and order statistics shared by every measurement (probe, bench, tune, profile).
        .target(name: "Measure", dependencies: [], path: "Sources/Measure"),

        // The shared results store: machines, measurements, tuned configs, profile rows and the split-sweep
        // queue on PostgreSQL (built only with the Store trait).
        .target(name: "Store", dependencies: [
                    "Tuner", "Configs", "Kernels",
                    .product(name: "PostgresNIO", package: "postgres-nio"),
                ], path: "Sources/Store"),

        // Tables, JSON, Perfetto traces, and the HTML report (its plotting layer, input readers, sections);
        // the simulator places GPUs under the export rules.
        .target(name: "Report", dependencies: ["Simulator", "Models"], path: "Sources/Report"),

        .executableTarget(
            name: "ktune",
            dependencies: [
                "Probe", "KernelContract", "Kernels", "Configs", "Models", "Tuner", "Inference", "Simulator", "Report", "Measure",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .target(name: "Store", condition: .when(traits: ["Store"])),
            ],
            path: "Sources/ktune"),

        .testTarget(name: "KernelContractTests", dependencies: ["KernelContract"], path: "Tests/KernelContractTests"),
        .testTarget(name: "ThreadRuntimeTests", dependencies: ["ThreadRuntime", "CHwloc"], path: "Tests/ThreadRuntimeTests"),
        .testTarget(name: "ProbeTests", dependencies: ["Probe"], path: "Tests/ProbeTests"),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"], path: "Tests/KernelsTests",
                    swiftSettings: hotCode),
        .testTarget(name: "ConfigsTests", dependencies: ["Configs", "KernelContract"], path: "Tests/ConfigsTests"),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "KernelContract", "Kernels"], path: "Tests/ModelsTests",
                    exclude: ["reference"]),
        .testTarget(name: "TunerTests", dependencies: ["Tuner"], path: "Tests/TunerTests",
                    exclude: ["Fixtures"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference"], path: "Tests/InferenceTests",
                    exclude: ["reference"]),
        .testTarget(name: "SimulatorTests", dependencies: ["Simulator"], path: "Tests/SimulatorTests"),
        .testTarget(name: "MeasureTests", dependencies: ["Measure"], path: "Tests/MeasureTests"),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Simulator"], path: "Tests/ReportTests",
                    exclude: ["Golden", "Fixtures"]),
        .testTarget(name: "ktuneTests", dependencies: ["ktune"], path: "Tests/ktuneTests", exclude: ["Golden"]),
        .testTarget(name: "StoreTests",
                    dependencies: ["Tuner", "Configs", "Kernels",
                                   .target(name: "Store", condition: .when(traits: ["Store"])),
                                   .product(name: "PostgresNIO", package: "postgres-nio", condition: .when(traits: ["Store"]))],
                    path: "Tests/StoreTests"),
    ]
)

// Coverage-guided fuzzing (scripts/fuzz.sh): the libFuzzer harnesses exist only when KTUNE_FUZZ=1, so the
// normal build and tests never compile or link them.
if Context.environment["KTUNE_FUZZ"] == "1" {
    package.targets.append(.executableTarget(
        name: "ktune-fuzz",
        dependencies: ["KernelContract", "Kernels", "Configs", "Models", "Inference", "Tuner", "Probe", "Simulator"],
        path: "fuzz/Harness",
        // No Swift entry point: libFuzzer's main() drives LLVMFuzzerTestOneInput.
        swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
}
