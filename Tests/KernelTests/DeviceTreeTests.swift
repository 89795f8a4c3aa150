import Foundation
import XCTest
@testable import KernelCore

/// Builds flattened device trees byte by byte, so tests can shape (and damage) them.
struct FDTBuilder {
    var structure: [UInt8] = []
    var strings: [UInt8] = []
    var reservations: [(UInt64, UInt64)] = []

    mutating func word(_ v: UInt32) { structure += withUnsafeBytes(of: v.bigEndian, Array.init) }
    mutating func pad() { while structure.count % 4 != 0 { structure.append(0) } }
    mutating func begin(_ name: String) { word(1); structure += Array(name.utf8) + [0]; pad() }
    mutating func end() { word(2) }
    mutating func prop(_ name: String, _ value: [UInt8]) {
        word(3); word(UInt32(value.count)); word(UInt32(strings.count))
        strings += Array(name.utf8) + [0]
        structure += value; pad()
    }
    mutating func prop(_ name: String, cells: [UInt32]) { prop(name, cells.flatMap { withUnsafeBytes(of: $0.bigEndian, Array.init) }) }
    mutating func prop(_ name: String, string: String) { prop(name, Array(string.utf8) + [0]) }

    func blob() -> [UInt8] {
        var s = structure
        s += withUnsafeBytes(of: UInt32(9).bigEndian, Array.init)
        var rsv: [UInt8] = []
        for (a, l) in reservations + [(0, 0)] {
            rsv += withUnsafeBytes(of: a.bigEndian, Array.init) + withUnsafeBytes(of: l.bigEndian, Array.init)
        }
        let rsvOff = 40, structOff = rsvOff + rsv.count, stringsOff = structOff + s.count
        let total = stringsOff + strings.count
        var h: [UInt8] = []
        for v in [DeviceTree.magic, UInt32(total), UInt32(structOff), UInt32(stringsOff), UInt32(rsvOff), 17, 16, 0,
                  UInt32(strings.count), UInt32(s.count)] {
            h += withUnsafeBytes(of: v.bigEndian, Array.init)
        }
        return h + rsv + s + strings
    }

    /// A tree shaped like QEMU virt's, with the given RAM and arguments.
    static func virt(ramBase: UInt64 = 0x4000_0000, ramBytes: UInt64 = 128 << 20, bootargs: String = "pt=spare",
                     timerInterrupts: [UInt32] = [1, 13, 0xF04, 1, 14, 0xF04, 1, 11, 0xF04, 1, 10, 0xF04]) -> FDTBuilder {
        var b = FDTBuilder()
        b.reservations = [(0x4800_0000, 0x1000)]
        b.begin("")
        b.prop("#address-cells", cells: [2]); b.prop("#size-cells", cells: [2])
        b.begin("psci"); b.prop("compatible", string: "arm,psci-1.0"); b.prop("method", string: "hvc"); b.end()
        b.begin("memory@40000000"); b.prop("device_type", string: "memory")
        b.prop("reg", cells: [UInt32(ramBase >> 32), UInt32(truncatingIfNeeded: ramBase), UInt32(ramBytes >> 32), UInt32(truncatingIfNeeded: ramBytes)]); b.end()
        b.begin("pl011@9000000"); b.prop("compatible", Array("arm,pl011\0arm,primecell\0".utf8))
        b.prop("reg", cells: [0, 0x0900_0000, 0, 0x1000]); b.end()
        b.begin("intc@8000000"); b.prop("compatible", string: "arm,cortex-a15-gic")
        b.prop("reg", cells: [0, 0x0800_0000, 0, 0x1_0000, 0, 0x0801_0000, 0, 0x1_0000]); b.end()
        b.begin("timer"); b.prop("compatible", Array("arm,armv8-timer\0arm,armv7-timer\0".utf8))
        b.prop("interrupts", cells: timerInterrupts); b.end()
        b.begin("chosen"); b.prop("bootargs", string: bootargs); b.end()
        b.end()
        return b
    }
}

final class DeviceTreeTests: XCTestCase {
    func parse(_ bytes: [UInt8], available: Int? = nil) -> Result<DeviceTree, DeviceTreeError> {
        bytes.withUnsafeBytes { DeviceTree.parse($0.baseAddress!, available: available ?? $0.count) }
    }

    func testReadsWhatBootNeeds() throws {
        let tree = try parse(FDTBuilder.virt(ramBytes: 1 << 30, bootargs: "pt=pool:4 x").blob()).get()
        XCTAssertEqual(tree.memoryCount, 1)
        XCTAssertEqual(tree.memory[0], MemoryRegion(start: 0x4000_0000, end: 0x8000_0000, kind: .usable))
        XCTAssertTrue(tree.bootargs.equals("pt=pool:4 x"))
        XCTAssertEqual(tree.uart, MemoryRegion(start: 0x0900_0000, end: 0x0900_1000, kind: .reserved))
        XCTAssertEqual(tree.psci, .hvc)
        XCTAssertEqual(tree.gicCount, 2)
        XCTAssertEqual(tree.gic[1].start, 0x0801_0000)
        XCTAssertEqual(tree.virtualTimerInterrupt, 27, "PPI 11 is GIC interrupt 27")
        XCTAssertEqual(tree.reservedCount, 1)
        XCTAssertEqual(tree.reserved[0], MemoryRegion(start: 0x4800_0000, end: 0x4800_1000, kind: .reserved))
    }

    func testDamageIsReportedNotGuessed() {
        let good = FDTBuilder.virt().blob()
        var bad = good; bad[0] = 0
        XCTAssertEqual(parse(bad).failure, .badMagic(0x000D_FEED))
        XCTAssertEqual(parse(good, available: good.count - 1).failure, .badSize(UInt32(good.count)), "blob runs past what is readable")
        XCTAssertEqual(parse(Array(good.prefix(20))).failure, .unreadable)
        // Every truncation of the structure block is caught (no crash, no memory found).
        for cut in stride(from: 48, to: good.count - 8, by: 4) {
            var t = Array(good.prefix(cut))
            // Fix up the header so the sizes agree with the cut blob: only the content is short.
            let size = UInt32(cut).bigEndian
            withUnsafeBytes(of: size) { t.replaceSubrange(4..<8, with: $0) }
            XCTAssertNotNil(parse(t).failure, "cut at \(cut) parsed as good")
        }
        // A bad token in the middle.
        var b = FDTBuilder.virt()
        b.structure.insert(contentsOf: [0, 0, 0, 7], at: 0)
        if case .badToken(7, offset: _)? = parse(b.blob()).failure {} else { XCTFail("bad token not found") }
        // No memory node: refused, not guessed.
        var n = FDTBuilder(); n.begin(""); n.begin("chosen"); n.end(); n.end()
        XCTAssertEqual(parse(n.blob()).failure, .noMemory)
        // Cells that do not divide the reg value.
        var c = FDTBuilder(); c.begin(""); c.begin("memory@0"); c.prop("reg", cells: [0, 1, 2, 3]); c.end(); c.end()  // 2 + 1 cells per pair by default
        XCTAssertEqual(parse(c.blob()).failure, .badCells)
        // Nesting past the limit.
        var d = FDTBuilder(); for _ in 0..<20 { d.begin("n") }; for _ in 0..<20 { d.end() }
        XCTAssertEqual(parse(d.blob()).failure, .tooDeep)
        // A timer whose virtual-timer entry is missing or is not a PPI.
        XCTAssertEqual(parse(FDTBuilder.virt(timerInterrupts: [1, 13, 0xF04, 1, 14, 0xF04]).blob()).failure, .badTimer)
        XCTAssertEqual(parse(FDTBuilder.virt(timerInterrupts: [1, 13, 0xF04, 1, 14, 0xF04, 0, 11, 4, 1, 10, 0xF04]).blob()).failure,
                       .badTimer)
    }

    /// Real trees from QEMU (`-M virt,dumpdtb=`), several machine shapes.
    func testRealQEMUTrees() throws {
        let qemu = "/usr/bin/qemu-system-aarch64"
        guard FileManager.default.isExecutableFile(atPath: qemu) else {
            throw XCTSkip("qemu-system-aarch64 is not installed (make test installs it)")
        }
        let shapes: [(args: [String], ram: UInt64, psci: PSCIConduit, gic3: Bool)] = [
            (["-M", "virt", "-m", "128M"], 128 << 20, .hvc, false),
            (["-M", "virt", "-m", "1G", "-smp", "2"], 1 << 30, .hvc, false),
            (["-M", "virt,gic-version=3", "-m", "256M", "-cpu", "cortex-a53"], 256 << 20, .hvc, true),
            (["-M", "virt,virtualization=on", "-m", "64M", "-cpu", "max"], 64 << 20, .smc, false),
        ]
        for (i, shape) in shapes.enumerated() {
            let path = NSTemporaryDirectory() + "virt-\(getpid())-\(i).dtb"
            let kernel = NSTemporaryDirectory() + "empty-kernel-\(getpid())"  // -append needs a -kernel
            _ = FileManager.default.createFile(atPath: kernel, contents: Data(count: 4096))
            defer { try? FileManager.default.removeItem(atPath: kernel) }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: qemu)
            var args = shape.args
            args[1] += ",dumpdtb=\(path)"
            p.arguments = args + ["-kernel", kernel, "-append", "pt=prereserve", "-display", "none"]
            p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
            try p.run(); p.waitUntilExit()
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            try? FileManager.default.removeItem(atPath: path)
            let tree = try parse(bytes).get()
            XCTAssertEqual(tree.memoryCount, 1, shape.args.joined(separator: " "))
            XCTAssertEqual(tree.memory[0].start, 0x4000_0000)
            XCTAssertEqual(tree.memory[0].bytes, shape.ram)
            XCTAssertTrue(tree.bootargs.equals("pt=prereserve"))
            XCTAssertEqual(tree.uart?.start, 0x0900_0000)
            XCTAssertEqual(tree.psci, shape.psci, shape.args.joined(separator: " "))
            XCTAssertEqual(tree.gicCount, 2)
            XCTAssertEqual(tree.gicCompatible.contains("arm,gic-v3"), shape.gic3)
            XCTAssertEqual(tree.virtualTimerInterrupt, 27)
        }
    }
}

extension Result {
    var failure: Failure? { if case .failure(let e) = self { return e } else { return nil } }
}
