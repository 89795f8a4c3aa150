import Foundation
import XCTest

@testable import KernelCore

/// Real trees: by default the ones the project ships (Fuzz/corpus/devicetree:
/// four boards' from Debian's arm64 kernel package and QEMU's own, made by
/// ci/make_fuzz_seeds.py), or a folder of many more. Fetch Debian's with
///   dpkg --add-architecture arm64 && apt-get update
///   apt-get download linux-image-6.1.0-56-arm64-unsigned && dpkg -x linux-image-*.deb x
/// then BOARD_DTBS=x swift test --filter BoardTreeTests. Every tree must open;
/// the counts of what the matchers found are printed. (Issue 21: this test was
/// always skipped, since nothing set BOARD_DTBS.)
final class BoardTreeTests: XCTestCase {
    static let shippedTrees = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus/devicetree").path

    func testEveryBoardTreeOpens() throws {
        let given = ProcessInfo.processInfo.environment["BOARD_DTBS"]
        let root = given ?? BoardTreeTests.shippedTrees
        let files = FileManager.default.enumerator(atPath: root)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".dtb") }
        var opened = 0, withMemory = 0, emptyMemory = 0, uart = 0, gic = 0, timer = 0
        var timerProblems: [String: Int] = [:]
        for f in files {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: root + "/" + f)))
            bytes.withUnsafeBytes { raw in
                guard let tree = try? DeviceTree.open(raw.baseAddress!, available: raw.count) else {
                    XCTFail("\(f) did not open"); return
                }
                opened += 1
                if tree.forEachMemoryRange({ _, _ in }) > 0 { withMemory += 1 } else { emptyMemory += 1 }
                let d = AArch64Devices.find(in: tree)
                // QEMU's own aarch64 trees have everything the aarch64 kernel boots with.
                if given == nil && f.hasPrefix("qemu-virt") {
                    XCTAssertNotNil(d.uart, "\(f): the PL011")
                    XCTAssertNotNil(d.gicDistributor, "\(f): the GIC")
                    if case .failure(let p) = d.virtualTimer { XCTFail("\(f): the timer's PPI: \(p)") }
                    XCTAssertGreaterThan(tree.forEachMemoryRange({ _, _ in }), 0, "\(f): memory")
                }
                if d.uart != nil { uart += 1 }
                if d.gicDistributor != nil { gic += 1 }
                switch d.virtualTimer {
                case .success: timer += 1
                case .failure(let p): timerProblems["\(p)", default: 0] += 1
                }
            }
        }
        print(
            "board trees: \(files.count) files, \(opened) opened; memory described in \(withMemory) (\(emptyMemory) leave it "
                + "to the boot loader); a PL011 in \(uart); a GIC in \(gic); the virtual timer's PPI in \(timer); "
                + "timer reasons: \(timerProblems.sorted { $0.key < $1.key })")
        XCTAssertGreaterThanOrEqual(files.count, given == nil ? 8 : 1, "the trees are there")
        XCTAssertEqual(opened, files.count)
    }

    /// QEMU's riscv64 virt tree (two harts): the PLIC context of each hart's S-mode
    /// comes from its interrupts-extended (M-mode 0 and S-mode 1 for hart 0, 3 for
    /// hart 1), and the console UART's source from its interrupts (10).
    func testTheRISCV64PLICContextComesFromTheTree() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: BoardTreeTests.shippedTrees + "/qemu-riscv64-virt-smp2.dtb")))
        try bytes.withUnsafeBytes { raw in
            let tree = try DeviceTree.open(raw.baseAddress!, available: raw.count)
            let hart0 = RISCV64Devices.find(in: tree, bootHart: 0), hart1 = RISCV64Devices.find(in: tree, bootHart: 1)
            XCTAssertEqual(hart0.plicContext, 1)
            XCTAssertEqual(hart1.plicContext, 3)
            XCTAssertNil(RISCV64Devices.find(in: tree, bootHart: 7).plicContext, "no such hart: no context")
            XCTAssertEqual(hart0.uartInterrupt, 10)
        }
    }
}
