// swift-tools-version:5.9
// Host build: the arch-independent core (Sources/) plus the pure, unprivileged
// parts of each backend (page-table entry formats), so that `swift test` can
// drive the real memory code against an emulated MMU. The kernels themselves
// are built by the Makefile with Embedded Swift; they compile the same files.
import PackageDescription

let package = Package(
    name: "SwiftMicrokernel",
    targets: [
        .target(
            name: "KernelCore",
            path: ".",
            sources: ["Sources", "Arch/i386/Format", "Arch/aarch64/Format"]
        ),
        .target(name: "MallocCounter", path: "Tests/MallocCounter"),
        // The i386 64-bit integer helpers, renamed host_* so that the host tests
        // can compare them with Swift's own arithmetic.
        .target(name: "Int64Helpers", path: "Arch/i386/Int64"),
        // Benchmarks compile the core into their own module (symlinked folders),
        // so that, as in the kernel, every generic is specialized.
        .executableTarget(name: "strategy-bench", path: "Bench/StrategyBench"),
        .executableTarget(name: "heap-bench", path: "Bench/HeapBench"),
        .testTarget(
            name: "KernelTests",
            dependencies: ["KernelCore", "MallocCounter", "Int64Helpers"],
            path: "Tests/KernelTests"
        ),
    ]
)
