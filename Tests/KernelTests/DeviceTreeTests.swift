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

    func blob(version: UInt32 = 17) -> [UInt8] {
        var s = structure
        s += withUnsafeBytes(of: UInt32(9).bigEndian, Array.init)
        var rsv: [UInt8] = []
        for (a, l) in reservations + [(0, 0)] {
            rsv += withUnsafeBytes(of: a.bigEndian, Array.init) + withUnsafeBytes(of: l.bigEndian, Array.init)
        }
        let rsvOff = 40, structOff = rsvOff + rsv.count, stringsOff = structOff + s.count
        let total = stringsOff + strings.count
        var h: [UInt8] = []
        // Version 16 has no size_dt_struct: the word is left as garbage a reader must not trust.
        for v in [
            DeviceTree.magic, UInt32(total), UInt32(structOff), UInt32(stringsOff), UInt32(rsvOff), version, 16, 0,
            UInt32(strings.count), version >= 17 ? UInt32(s.count) : 0xDEAD_BEEF,
        ] {
            h += withUnsafeBytes(of: v.bigEndian, Array.init)
        }
        return h + rsv + s + strings
    }

    /// A tree shaped like QEMU virt's, with the given RAM and arguments.
    static func virt(
        ramBase: UInt64 = 0x4000_0000, ramBytes: UInt64 = 128 << 20, bootargs: String = "pt=spare",
        timerInterrupts: [UInt32] = [1, 13, 0xF04, 1, 14, 0xF04, 1, 11, 0xF04, 1, 10, 0xF04]
    ) -> FDTBuilder {
        var b = FDTBuilder()
        b.reservations = [(0x4800_0000, 0x1000)]
        b.begin("")
        b.prop("#address-cells", cells: [2]); b.prop("#size-cells", cells: [2])
        b.begin("psci"); b.prop("compatible", string: "arm,psci-1.0"); b.prop("method", string: "hvc"); b.end()
        b.begin("memory@40000000"); b.prop("device_type", string: "memory")
        b.prop(
            "reg",
            cells: [
                UInt32(ramBase >> 32), UInt32(truncatingIfNeeded: ramBase), UInt32(ramBytes >> 32), UInt32(truncatingIfNeeded: ramBytes),
            ]);
        b.end()
        b.begin("pl011@9000000"); b.prop("compatible", Array("arm,pl011\0arm,primecell\0".utf8))
        b.prop("reg", cells: [0, 0x0900_0000, 0, 0x1000]); b.end()
        b.begin("intc@8000000"); b.prop("compatible", string: "arm,cortex-a15-gic"); b.prop("phandle", cells: [1])
        b.prop("#interrupt-cells", cells: [3])
        b.prop("reg", cells: [0, 0x0800_0000, 0, 0x1_0000, 0, 0x0801_0000, 0, 0x1_0000]); b.end()
        b.begin("timer"); b.prop("compatible", Array("arm,armv8-timer\0arm,armv7-timer\0".utf8)); b.prop("interrupt-parent", cells: [1])
        b.prop("interrupts", cells: timerInterrupts); b.end()
        b.begin("chosen"); b.prop("bootargs", string: bootargs); b.end()
        b.end()
        return b
    }
}

final class DeviceTreeTests: XCTestCase {
    /// Opens the blob and hands the tree to `body` while the bytes are alive.
    func withTree<T>(_ bytes: [UInt8], available: Int? = nil, _ body: (DeviceTree) throws -> T) throws -> T {
        try bytes.withUnsafeBytes { raw in
            let tree = try DeviceTree.open(raw.baseAddress!, available: available ?? raw.count)
            return try body(tree)
        }
    }

    func failure(_ bytes: [UInt8], available: Int? = nil) -> DeviceTreeError? {
        bytes.withUnsafeBytes { raw in
            Result { () throws(DeviceTreeError) in try DeviceTree.open(raw.baseAddress!, available: available ?? raw.count) }
        }.failure
    }

    func memory(_ tree: DeviceTree) -> [MemoryRegion] {
        var out: [MemoryRegion] = []
        tree.forEachMemoryRange { out.append(MemoryRegion(start: $0, end: $0 + $1, kind: .usable)) }
        return out
    }

    /// Issue 21, bug 5.11: phandles 0 and 0xFFFFFFFF are invalid (the
    /// specification, libfdt) and must not resolve to a node that claims one.
    func testInvalidPhandlesResolveToNothing() throws {
        var b = FDTBuilder()
        b.begin("")
        b.begin("zero"); b.prop("phandle", cells: [0]); b.end()
        b.begin("ones"); b.prop("linux,phandle", cells: [0xFFFF_FFFF]); b.end()
        b.begin("good"); b.prop("phandle", cells: [7]); b.end()
        b.end()
        try withTree(b.blob()) { tree in
            XCTAssertNil(tree.node(phandle: 0))
            XCTAssertNil(tree.node(phandle: 0xFFFF_FFFF))
            XCTAssertNotNil(tree.node(phandle: 7))
        }
    }

    func testReadsWhatBootNeeds() throws {
        try withTree(FDTBuilder.virt(ramBytes: 1 << 30, bootargs: "pt=pool:4 x").blob()) { tree in
            XCTAssertEqual(memory(tree), [MemoryRegion(start: 0x4000_0000, end: 0x8000_0000, kind: .usable)])
            XCTAssertTrue(tree.bootargs.equals("pt=pool:4 x"))
            var reserved: [MemoryRegion] = []
            tree.forEachReservation { reserved.append(MemoryRegion(start: $0, end: $0 + $1, kind: .reserved)) }
            XCTAssertEqual(reserved, [MemoryRegion(start: 0x4800_0000, end: 0x4800_1000, kind: .reserved)])
            let d = AArch64Devices.find(in: tree)
            XCTAssertEqual(d.uart, MemoryRegion(start: 0x0900_0000, end: 0x0900_1000, kind: .reserved))
            XCTAssertEqual(d.psci, .hvc)
            XCTAssertEqual(d.gicDistributor?.start, 0x0800_0000)
            XCTAssertEqual(d.gicSecond?.start, 0x0801_0000)
            XCTAssertEqual(d.virtualTimer, .success(27), "PPI 11 is GIC interrupt 27")
        }
    }

    func testDamageIsReportedNotGuessed() throws {
        let good = FDTBuilder.virt().blob()
        var bad = good; bad[0] = 0
        XCTAssertEqual(failure(bad), .badMagic(0x000D_FEED))
        XCTAssertEqual(failure(good, available: good.count - 1), .badSize(UInt32(good.count)), "blob runs past what is readable")
        XCTAssertEqual(failure(Array(good.prefix(20))), .unreadable)
        // Every truncation of the structure block is caught (no crash, no tree).
        for cut in stride(from: 48, to: good.count - 8, by: 4) {
            var t = Array(good.prefix(cut))
            let size = UInt32(cut).bigEndian
            withUnsafeBytes(of: size) { t.replaceSubrange(4..<8, with: $0) }
            XCTAssertNotNil(failure(t), "cut at \(cut) opened as good")
        }
        var b = FDTBuilder.virt()
        b.structure.insert(contentsOf: [0, 0, 0, 7], at: 0)
        if case .badToken(7, offset: _)? = failure(b.blob()) {} else { XCTFail("bad token not found") }
        var d = FDTBuilder(); for _ in 0..<20 { d.begin("n") }; for _ in 0..<20 { d.end() }
        XCTAssertEqual(failure(d.blob()), .tooDeep)
        // Cells that do not divide the reg value: that node's ranges are unreadable, nothing else.
        var c = FDTBuilder(); c.begin(""); c.begin("memory@0"); c.prop("reg", cells: [0, 1, 2, 3]); c.end(); c.end()
        try withTree(c.blob()) { XCTAssertEqual(memory($0), []) }
    }

    /// Bug 1: #address-cells + #size-cells summed in 32 bits trapped the parser.
    func testHugeCellCountsAreRefusedWithoutOverflow() throws {
        for (ac, sc): (UInt32, UInt32) in [(2, 0xFFFF_FFFF), (0x8000_0000, 0x8000_0000), (0xFFFF_FFFF, 1), (3, 2)] {
            var b = FDTBuilder(); b.begin("")
            b.prop("#address-cells", cells: [ac]); b.prop("#size-cells", cells: [sc])
            // A whole entry where the counts are small (issue 21: (3, 2) with four cells was
            // no whole entry either way, so the test passed whatever the cell limit).
            let whole = UInt64(ac) + UInt64(sc) <= 8 ? [UInt32](repeating: 0, count: Int(ac + sc) - 1) + [0x100_0000] : nil
            b.begin("memory@0"); b.prop("device_type", string: "memory"); b.prop("reg", cells: whole ?? [0, 0, 0, 0x100_0000]); b.end()
            b.end()
            try withTree(b.blob()) { XCTAssertEqual(memory($0), [], "cells \(ac) + \(sc)") }
        }
    }

    /// Bug 8: one node's 8-byte #address-cells refused the whole tree.
    func testAMalformedCellsPropertySpoilsOnlyItsOwnChildren() throws {
        var b = FDTBuilder.virt()
        b.structure.removeLast(4)  // reopen the root: drop its END_NODE
        b.begin("odd-bus"); b.prop("#address-cells", [0, 0, 0, 2, 0, 0, 0, 2]); b.prop("ranges", [])
        b.begin("dev@0"); b.prop("reg", cells: [0, 0, 0x10]); b.end(); b.end()
        b.end()
        try withTree(b.blob()) { tree in
            XCTAssertEqual(memory(tree).count, 1)
            XCTAssertNotNil(AArch64Devices.find(in: tree).uart)
            let dev = tree.node(atPath: ByteString(staticString: "/odd-bus/dev@0"))
            XCTAssertNotNil(dev)
            XCTAssertNil(dev?.reg(0))
        }
    }

    /// Bug 8: reg = <0 0 0 0> left for a boot loader is "no memory described", not memory.
    func testAnEmptyMemoryNodeIsNoMemory() throws {
        var b = FDTBuilder(); b.begin(""); b.prop("#address-cells", cells: [2]); b.prop("#size-cells", cells: [2])
        b.begin("memory"); b.prop("device_type", string: "memory"); b.prop("reg", cells: [0, 0, 0, 0]); b.end(); b.end()
        try withTree(b.blob()) { XCTAssertEqual($0.forEachMemoryRange { _, _ in }, 0) }
    }

    /// Bug 6: more than 8 memory ranges were cut (QEMU -numa lists them high to low).
    func testEveryMemoryRangeIsHeld() throws {
        var b = FDTBuilder(); b.begin(""); b.prop("#address-cells", cells: [2]); b.prop("#size-cells", cells: [2])
        for i in (0..<12).reversed() {
            let base = UInt64(0x4000_0000) + UInt64(i) << 26
            b.begin("memory@\(String(base, radix: 16))"); b.prop("device_type", string: "memory")
            b.prop("reg", cells: [UInt32(base >> 32), UInt32(truncatingIfNeeded: base), 0, 1 << 26]); b.end()
        }
        b.end()
        try withTree(b.blob()) { tree in
            let m = memory(tree)
            XCTAssertEqual(m.count, 12)
            XCTAssertEqual(m.reduce(0) { $0 + $1.bytes }, 12 << 26)
            XCTAssertEqual(m.last?.start, 0x4000_0000, "the lowest range, listed last, is kept")
        }
    }

    /// Bug 5: the Secure-only, disabled PL011 came first (virt,secure=on); /chosen/stdout-path names the right one.
    func testADisabledUARTIsSkippedAndStdoutPathIsPreferred() throws {
        func tree(stdout: String?, aliases: Bool = false) -> [UInt8] {
            var b = FDTBuilder(); b.begin(""); b.prop("#address-cells", cells: [2]); b.prop("#size-cells", cells: [2])
            b.begin("memory@40000000"); b.prop("device_type", string: "memory"); b.prop("reg", cells: [0, 0x4000_0000, 0, 0x800_0000]);
            b.end()
            b.begin("pl011@9040000"); b.prop("compatible", Array("arm,pl011\0arm,primecell\0".utf8))
            b.prop("reg", cells: [0, 0x0904_0000, 0, 0x1000]); b.prop("status", string: "disabled"); b.end()
            b.begin("pl011@9030000"); b.prop("compatible", Array("arm,pl011\0arm,primecell\0".utf8))
            b.prop("reg", cells: [0, 0x0903_0000, 0, 0x1000]); b.end()
            b.begin("pl011@9000000"); b.prop("compatible", Array("arm,pl011\0arm,primecell\0".utf8))
            b.prop("reg", cells: [0, 0x0900_0000, 0, 0x1000]); b.prop("status", string: "okay"); b.end()
            if aliases { b.begin("aliases"); b.prop("serial0", string: "/pl011@9000000"); b.end() }
            b.begin("chosen"); if let s = stdout { b.prop("stdout-path", string: s) }; b.end()
            b.end()
            return b.blob()
        }
        try withTree(tree(stdout: nil)) { XCTAssertEqual(AArch64Devices.find(in: $0).uart?.start, 0x0903_0000, "first enabled") }
        try withTree(tree(stdout: "/pl011@9000000")) {
            let d = AArch64Devices.find(in: $0)
            XCTAssertEqual(d.uart?.start, 0x0900_0000)
            XCTAssertTrue(d.uartFromStdoutPath)
        }
        try withTree(tree(stdout: "serial0:115200n8", aliases: true)) {
            XCTAssertEqual(AArch64Devices.find(in: $0).uart?.start, 0x0900_0000, "an alias with options")
        }
        try withTree(tree(stdout: "/pl011@9040000")) {
            XCTAssertEqual(AArch64Devices.find(in: $0).uart?.start, 0x0903_0000, "a disabled stdout-path is not used")
        }
    }

    /// Bug 9: devices under /soc, with addresses translated through each parent's ranges.
    func testRegIsTranslatedThroughRanges() throws {
        var b = FDTBuilder(); b.begin(""); b.prop("#address-cells", cells: [2]); b.prop("#size-cells", cells: [2])
        b.begin("memory@0"); b.prop("device_type", string: "memory"); b.prop("reg", cells: [0, 0, 0, 0x4000_0000]); b.end()
        b.begin("soc"); b.prop("#address-cells", cells: [1]); b.prop("#size-cells", cells: [1])
        b.prop("ranges", cells: [0x7E00_0000, 0, 0xFE00_0000, 0x180_0000])  // child 0x7e000000 -> parent 0xfe000000
        b.begin("bus@100000"); b.prop("#address-cells", cells: [1]); b.prop("#size-cells", cells: [1])
        b.prop("ranges", cells: [0, 0x7E10_0000, 0x1_0000])
        b.begin("serial@200"); b.prop("compatible", string: "arm,pl011"); b.prop("reg", cells: [0x200, 0x100]); b.end()
        b.end()
        b.begin("outside@0"); b.prop("reg", cells: [0x1000_0000, 0x100]); b.end()  // no ranges entry covers it
        b.end()
        b.begin("nobus"); b.prop("#address-cells", cells: [1]); b.prop("#size-cells", cells: [1])  // no ranges at all
        b.begin("dev@10"); b.prop("reg", cells: [0x10, 0x10]); b.end(); b.end()
        b.end()
        try withTree(b.blob()) { tree in
            let serial = tree.node(atPath: ByteString(staticString: "/soc/bus@100000/serial@200"))!
            XCTAssertEqual(serial.reg(0)?.address, 0xFE10_0200)
            XCTAssertEqual(serial.reg(0)?.size, 0x100)
            XCTAssertEqual(AArch64Devices.find(in: tree).uart?.start, 0xFE10_0200)
            XCTAssertNil(tree.node(atPath: ByteString(staticString: "/soc/outside@0"))!.reg(0))
            XCTAssertNil(tree.node(atPath: ByteString(staticString: "/nobus/dev"))!.reg(0), "no ranges: not mapped")
            XCTAssertNotNil(tree.node(atPath: ByteString(staticString: "/soc/bus")), "a name without its unit address")
            XCTAssertNil(tree.node(atPath: ByteString(staticString: "/soc/serial@200")), "not a child of /soc")
        }
    }

    /// Issue 21, §7: rules no test guarded. A `reg` that starts inside a bus's
    /// `ranges` window but runs past its end is not mapped; `#address-cells` of
    /// 3 makes the children's `reg` unreadable (not read as a truncated number);
    /// only "okay" and "ok" (or no status) mean enabled.
    func testRangesEndsCellCountsAndStatusValues() throws {
        var b = FDTBuilder(); b.begin(""); b.prop("#address-cells", cells: [2]); b.prop("#size-cells", cells: [2])
        b.begin("soc"); b.prop("#address-cells", cells: [1]); b.prop("#size-cells", cells: [1])
        b.prop("ranges", cells: [0, 0, 0x1000_0000, 0x1000])  // child 0..0x1000 -> parent 0x10000000
        b.begin("inside@800"); b.prop("reg", cells: [0x800, 0x800]); b.end()
        b.begin("across@800"); b.prop("reg", cells: [0x800, 0x801]); b.end()
        b.end()
        b.begin("wide"); b.prop("#address-cells", cells: [3]); b.prop("#size-cells", cells: [1]); b.prop("ranges", [])
        b.begin("dev@0"); b.prop("reg", cells: [0, 0, 0x100, 0x10]); b.end()
        b.end()
        for (name, status) in [("a", "okay"), ("b", "ok"), ("c", "disabled"), ("d", "fail"), ("e", "reserved"), ("f", "okayish")] {
            b.begin("status-\(name)"); b.prop("status", string: status); b.end()
        }
        b.begin("status-none"); b.end()
        b.end()
        try withTree(b.blob()) { tree in
            func node(_ path: StaticString) -> DTNode { tree.node(atPath: ByteString(staticString: path))! }
            XCTAssertEqual(node("/soc/inside@800").reg(0)?.address, 0x1000_0800, "ends exactly at the window's end")
            XCTAssertNil(node("/soc/across@800").reg(0), "one byte past the window's end")
            XCTAssertEqual(node("/wide/dev@0").regCount, 0)
            XCTAssertNil(node("/wide/dev@0").reg(0), "three address cells do not fit a 64-bit address")
            XCTAssertTrue(node("/status-a").isEnabled)
            XCTAssertTrue(node("/status-b").isEnabled)
            XCTAssertTrue(node("/status-none").isEnabled)
            for path: StaticString in ["/status-c", "/status-d", "/status-e", "/status-f"] {
                XCTAssertFalse(node(path).isEnabled, "\(path)")
            }
        }
    }

    /// Bug 8: /reserved-memory nodes (OpenSBI reserves itself there) were ignored.
    func testReservedMemoryNodesAreRead() throws {
        var b = FDTBuilder.virt()
        b.structure.removeLast(4)
        b.begin("reserved-memory"); b.prop("#address-cells", cells: [2]); b.prop("#size-cells", cells: [2]); b.prop("ranges", [])
        b.begin("mmode_resv0@80000000"); b.prop("reg", cells: [0, 0x8000_0000, 0, 0x4_0000]); b.prop("no-map", []); b.end()
        b.begin("unused@90000000"); b.prop("reg", cells: [0, 0x9000_0000, 0, 0x1000]); b.prop("status", string: "disabled"); b.end()
        b.end()
        b.end()
        try withTree(b.blob()) { tree in
            var r: [MemoryRegion] = []
            tree.forEachReservedMemory { r.append(MemoryRegion(start: $0, end: $0 + $1, kind: .reserved)) }
            XCTAssertEqual(r, [MemoryRegion(start: 0x8000_0000, end: 0x8004_0000, kind: .reserved)])
        }
    }

    /// Bug 8: dtc's version-16 blobs have no size_dt_struct.
    func testVersion16BlobsAreRead() throws {
        try withTree(FDTBuilder.virt().blob(version: 16)) { tree in
            XCTAssertEqual(tree.version, 16)
            XCTAssertEqual(memory(tree).count, 1)
            XCTAssertEqual(AArch64Devices.find(in: tree).virtualTimer, .success(27))
        }
    }

    /// Bug 8: timers refused though valid: 4-cell GICv3 specifiers, interrupts-extended,
    /// non-GIC 2-cell parents and two-entry timers now give a reason, not a refused tree.
    func testTimerInterruptShapes() throws {
        func tree(gicCells: UInt32, timer: (inout FDTBuilder) -> Void, gic: String = "arm,gic-v3") -> [UInt8] {
            var b = FDTBuilder(); b.begin(""); b.prop("#address-cells", cells: [2]); b.prop("#size-cells", cells: [2])
            b.prop("interrupt-parent", cells: [1])
            b.begin("memory@40000000"); b.prop("device_type", string: "memory"); b.prop("reg", cells: [0, 0x4000_0000, 0, 0x800_0000]);
            b.end()
            b.begin("interrupt-controller@8000000"); b.prop("compatible", string: gic); b.prop("phandle", cells: [1])
            b.prop("#interrupt-cells", cells: [gicCells]); b.prop("reg", cells: [0, 0x800_0000, 0, 0x1_0000, 0, 0x80A_0000, 0, 0xF6_0000]);
            b.end()
            b.begin("local-intc"); b.prop("compatible", string: "brcm,bcm2836-l1-intc"); b.prop("phandle", cells: [2])
            b.prop("#interrupt-cells", cells: [2]); b.end()
            b.begin("timer"); b.prop("compatible", string: "arm,armv8-timer"); timer(&b); b.end()
            b.end()
            return b.blob()
        }
        // rk3399: four cells (type, number, flags, partition); interrupt-parent inherited from the root.
        try withTree(tree(gicCells: 4) { $0.prop("interrupts", cells: [1, 13, 8, 0, 1, 14, 8, 0, 1, 11, 8, 0, 1, 10, 8, 0]) }) {
            XCTAssertEqual(AArch64Devices.find(in: $0).virtualTimer, .success(27))
            XCTAssertTrue(AArch64Devices.find(in: $0).gicVersion3)
        }
        // r8a774a1: interrupts-extended, a phandle before each specifier.
        try withTree(tree(gicCells: 3) { $0.prop("interrupts-extended", cells: [1, 1, 13, 4, 1, 1, 14, 4, 1, 1, 11, 4, 1, 1, 10, 4]) }) {
            XCTAssertEqual(AArch64Devices.find(in: $0).virtualTimer, .success(27))
        }
        // Raspberry Pi 2/3: a 2-cell non-GIC parent: a reason, and the tree still opens.
        try withTree(
            tree(gicCells: 3) {
                $0.prop("interrupt-parent", cells: [2]); $0.prop("interrupts", cells: [0, 4, 1, 4, 3, 4, 2, 4])
            }
        ) {
            XCTAssertEqual(AArch64Devices.find(in: $0).virtualTimer, .failure(.parentNotGIC))
            XCTAssertEqual(self.memory($0).count, 1)
        }
        // rv1108: two timer interrupts only.
        try withTree(tree(gicCells: 3) { $0.prop("interrupts", cells: [1, 13, 4, 1, 14, 4]) }) {
            XCTAssertEqual(AArch64Devices.find(in: $0).virtualTimer, .failure(.noVirtualTimerEntry))
        }
        // The virtual-timer entry is an SPI: named, not trusted.
        try withTree(tree(gicCells: 3) { $0.prop("interrupts", cells: [1, 13, 4, 1, 14, 4, 0, 11, 4, 1, 10, 4]) }) {
            XCTAssertEqual(AArch64Devices.find(in: $0).virtualTimer, .failure(.notPPI(type: 0, number: 11)))
        }
    }

    /// Real trees from QEMU (`-M virt,dumpdtb=`), several machine shapes.
    func testRealQEMUTrees() throws {
        let qemu = "/usr/bin/qemu-system-aarch64"
        guard FileManager.default.isExecutableFile(atPath: qemu) else {
            throw XCTSkip("qemu-system-aarch64 is not installed (make test installs it)")
        }
        let shapes: [(args: [String], ram: UInt64, psci: PSCIConduit, gic3: Bool, uart: UInt64)] = [
            (["-M", "virt", "-m", "128M"], 128 << 20, .hvc, false, 0x0900_0000),
            (["-M", "virt", "-m", "1G", "-smp", "2"], 1 << 30, .hvc, false, 0x0900_0000),
            (["-M", "virt,gic-version=3", "-m", "256M", "-cpu", "cortex-a53"], 256 << 20, .hvc, true, 0x0900_0000),
            (["-M", "virt,virtualization=on", "-m", "64M", "-cpu", "max"], 64 << 20, .smc, false, 0x0900_0000),
            (["-M", "virt,secure=on", "-m", "128M", "-cpu", "cortex-a57"], 128 << 20, .hvc, false, 0x0900_0000),
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
            let what = shape.args.joined(separator: " ")
            try withTree(bytes) { tree in
                let m = memory(tree)
                XCTAssertEqual(m.count, 1, what)
                XCTAssertEqual(m.first?.start, 0x4000_0000)
                XCTAssertEqual(m.first?.bytes, shape.ram)
                XCTAssertTrue(tree.bootargs.equals("pt=prereserve"))
                let d = AArch64Devices.find(in: tree)
                XCTAssertEqual(d.uart?.start, shape.uart, what)
                XCTAssertEqual(d.psci, shape.psci, what)
                XCTAssertNotNil(d.gicSecond)
                XCTAssertEqual(d.gicVersion3, shape.gic3)
                XCTAssertEqual(d.virtualTimer, .success(27), what)
            }
        }
    }
}

extension Result {
    var failure: Failure? { if case .failure(let e) = self { return e } else { return nil } }
}
