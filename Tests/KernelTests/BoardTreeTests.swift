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

    func tree(_ name: String, _ body: (DeviceTree) throws -> Void) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: BoardTreeTests.shippedTrees + "/" + name)))
        try bytes.withUnsafeBytes { raw in try body(try DeviceTree.open(raw.baseAddress!, available: raw.count)) }
    }

    /// What a manifest's `device uart node=@stdout` and `interrupt ... node=@stdout`
    /// resolve to on QEMU's virt boards: the console's registers and its line from
    /// the tree; RAM, an absent node and the timer's PPI are refused.
    func testDevicesAndLinesComeFromTheTree() throws {
        let stdout = ByteString(staticString: "@stdout")
        try tree("qemu-virt.dtb") { t in
            XCTAssertEqual(try t.registers(path: stdout, index: 0).base, 0x0900_0000)
            XCTAssertEqual(syscallBoard(try t.registers(path: stdout, index: 1)), .noDevice, "the PL011 has one range")
            XCTAssertEqual(syscallBoard(try t.registers(path: ByteString(staticString: "/memory"), index: 0)), .kernelOwned, "RAM")
            XCTAssertEqual(syscallBoard(try t.registers(path: ByteString(staticString: "/nosuch"), index: 0)), .noDevice)
            let uart = try XCTUnwrap(t.device(at: stdout))
            XCTAssertEqual(try XCTUnwrap(t.interrupt(of: uart, index: 0)).count, 3, "a GIC specifier: type, number, flags")
            XCTAssertEqual(AArch64Devices.line(try XCTUnwrap(t.interrupt(of: uart, index: 0))), 33, "SPI 1: INTID 33")
            var timer: DTNode? = nil
            t.forEachNode { n in
                if n.isCompatible("arm,armv8-timer") || n.isCompatible("arm,armv7-timer") { timer = n; return false }
                return true
            }
            XCTAssertNil(AArch64Devices.line(try XCTUnwrap(t.interrupt(of: try XCTUnwrap(timer), index: 2))), "a PPI is no task's")
        }
        try tree("qemu-riscv64-virt-smp2.dtb") { t in
            XCTAssertEqual(try t.registers(path: stdout, index: 0).base, 0x1000_0000)
            let uart = try XCTUnwrap(t.device(at: stdout))
            XCTAssertEqual(RISCV64Devices.line(try XCTUnwrap(t.interrupt(of: uart, index: 0))), 10, "PLIC source 10")
            XCTAssertNil(t.interrupt(of: uart, index: 1), "one interrupt")
        }
    }

    /// i386's board: the legacy PC devices by path, the console by @stdout.
    func testTheI386LegacyTable() {
        let stdout = ByteString(staticString: "@stdout")
        XCTAssertEqual(try LegacyDevices.range(path: stdout, index: 0), .ports(first: 0x3F8, count: 8))
        XCTAssertEqual(try LegacyDevices.line(path: stdout, index: 0), 4)
        XCTAssertEqual(
            try LegacyDevices.range(path: ByteString(staticString: "/isa/vga@b8000"), index: 0), .registers(base: 0xB8000, bytes: 0x8000))
        XCTAssertEqual(
            syscallBoard(try LegacyDevices.line(path: ByteString(staticString: "/isa/vga@b8000"), index: 0)), .noDevice, "no IRQ")
        XCTAssertEqual(syscallBoard(try LegacyDevices.range(path: stdout, index: 1)), .noDevice)
        XCTAssertEqual(
            syscallBoard(try LegacyDevices.range(path: ByteString(staticString: "/isa/pic@20"), index: 0)), .noDevice, "not given out")
    }

    /// The kernel keeps its own devices; the console's it gives to its driver.
    func testTheKernelKeepsItsDevicesButTheConsole() {
        var d = BootDevices()
        d.add(start: 0x0800_0000, bytes: 0x1_0000, console: false)  // a GIC distributor
        d.add(start: 0x0900_0000, bytes: 0x1000, console: true)
        XCTAssertTrue(d.meetsKernelDevice(0x0800_F000, 0x2000))
        XCTAssertFalse(d.meetsKernelDevice(0x0900_0000, 0x1000), "the console's")
        XCTAssertFalse(d.meetsKernelDevice(0x0801_0000, 0x1000), "just past the GIC")
    }
}

/// The refusal `body` throws, or nil.
func syscallBoard<T>(_ body: @autoclosure () throws(BoardRefusal) -> T) -> BoardRefusal? {
    do throws(BoardRefusal) { _ = try body(); return nil } catch { return error }
}
