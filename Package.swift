// swift-tools-version:5.9
// Host build: the arch-independent core (Sources/) plus the pure, unprivileged
// parts of each backend (page-table entry formats), so that `swift test` can
// drive the real memory code against an emulated MMU. The kernels themselves
// are built by the Makefile with Embedded Swift; they compile the same files.
import Foundation
import PackageDescription

// Each backend's pure parts (Arch/<arch>/Format: the page-table format;
// Arch/<arch>/Devices: what it looks for in the device tree) are in the host
// build; the rest of Arch/ is privileged code for the kernels only.
let pureFolders: Set<String> = ["Format", "Devices"]
let archRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Arch").path
let arches = ((try? FileManager.default.contentsOfDirectory(atPath: archRoot)) ?? []).sorted()
func archEntries(_ arch: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: archRoot + "/" + arch)) ?? []).sorted()
}
let archPure = arches.flatMap { arch in archEntries(arch).filter { pureFolders.contains($0) }.map { "Arch/\(arch)/\($0)" } }
let archPrivileged = arches.flatMap { arch in archEntries(arch).filter { !pureFolders.contains($0) }.map { "Arch/\(arch)/\($0)" } }

let package = Package(
    name: "SwiftMicrokernel",
    targets: [
        .target(
            name: "KernelCore",
            path: ".",
            exclude: ["build", "Bench", "Boot", "Fuzz", "Kernel", "Makefile", "README.md", "Tests", "User", "ci", "docs"]
                + archPrivileged,
            sources: ["Sources"] + archPure
        ),
        .target(name: "MallocCounter", path: "Tests/MallocCounter"),
        // The i386 64-bit integer helpers, renamed host_* so that the host tests
        // can compare them with Swift's own arithmetic.
        .target(name: "Int64Helpers", path: "Arch/i386/Int64"),
        // Benchmarks compile the core into their own module (symlinked folders),
        // so that, as in the kernel, every generic is specialized.
        .executableTarget(name: "strategy-bench", path: "Bench/StrategyBench"),
        .executableTarget(name: "heap-bench", path: "Bench/HeapBench"),
        .executableTarget(name: "frame-bench", path: "Bench/FrameBench"),
        .testTarget(
            name: "KernelTests",
            dependencies: ["KernelCore", "MallocCounter", "Int64Helpers"],
            path: "Tests/KernelTests"
        ),
    ]
)
