import MallocCounter
import XCTest

@testable import KernelCore

/// What an Sv39 hart would do with an access to `va`, read from the raw entries
/// and independent of the kernel's decoder: the privileged spec's walk ("Virtual
/// Address Translation Process") for Sv39, levels 2 to 0, 4 KiB pages.
struct Sv39Walk: Equatable {
    let physical: UInt64
    let r: Bool, w: Bool, x: Bool, u: Bool, g: Bool, a: Bool, d: Bool
    let leafBytes: UInt64
}

func walkSv39(_ m: EmulatedMachine<Sv39PageTable>, root: Frame, _ va: UInt64) -> Sv39Walk? {
    // Bits 63:39 must all equal bit 38, or the access faults.
    let top = va >> 38
    if top != 0 && top != (1 << 26) - 1 { return nil }
    var a = root.start.raw
    var i = 2
    while true {
        let vpn = (va >> (12 + 9 * UInt64(i))) & 0x1FF
        let pte = m.memory.load(fromByteOffset: Int(a + vpn * 8), as: UInt64.self)
        let v = pte & 1 != 0, r = pte & 2 != 0, w = pte & 4 != 0, x = pte & 8 != 0
        if !v || (!r && w) { return nil }  // invalid, or the reserved W-without-R
        let ppn = (pte >> 10) & ((1 << 44) - 1)
        if r || x {  // a leaf
            let size = UInt64(1) << (12 + 9 * UInt64(i))
            if i > 0 && ppn & ((1 << (9 * UInt64(i))) - 1) != 0 { return nil }  // misaligned superpage
            return Sv39Walk(
                physical: (ppn << 12) & ~(size - 1) | (va & (size - 1)), r: r, w: w, x: x,
                u: pte & 16 != 0, g: pte & 32 != 0, a: pte & 64 != 0, d: pte & 128 != 0, leafBytes: size)
        }
        i -= 1
        if i < 0 { return nil }  // a pointer at the last level
        a = ppn << 12
    }
}

final class RISCV64Tests: XCTestCase {
    typealias M = EmulatedMachine<Sv39PageTable>

    func testMappingsReadBackThroughTheHardwareWalk() {
        let m = M(megabytes: 8)
        var frames = m.frameAllocator()
        let space = AddressSpace(arch: m, frames: &frames)!
        var tables = DirectFromFrames()
        let cases: [(UInt64, PageAttributes)] = [
            (0x8020_0000, [.executable, .global]),  // kernel code
            (0x8030_0000, .kernelData),  // kernel data
            (0x1000_0000, [.writable, .device, .global]),  // a UART
            (0x20_0000_0000, [.user, .executable]),  // user code
            (0x20_0000_4000, [.user, .writable]),  // user data
            (0x3F_FFFF_F000, [.user]),  // the last lower-half page
            (0x20_0010_0000, [.user, .writable, .device, .borrowed]),  // a device's registers in a task
        ]
        var frameOf: [UInt64: Frame] = [:]
        for (va, attrs) in cases {
            let f = frames.allocate()!
            XCTAssertNoThrow(try space.map(Page(VirtualAddress(UInt(va))), to: f, attrs, tables: &tables, frames: &frames))
            frameOf[va] = f
        }
        for (va, attrs) in cases {
            guard let w = walkSv39(m, root: space.root, va + 0x18) else { XCTFail("\(String(va, radix: 16)) unmapped"); continue }
            XCTAssertEqual(w.physical, frameOf[va]!.start.raw + 0x18)
            XCTAssertEqual(w.leafBytes, 4096)
            XCTAssertTrue(w.r, "every page is readable: W without R is reserved")
            XCTAssertEqual(w.w, attrs.contains(.writable))
            XCTAssertEqual(w.x, attrs.contains(.executable))
            XCTAssertEqual(w.u, attrs.contains(.user))
            XCTAssertEqual(w.g, attrs.contains(.global))
            // QEMU may fault instead of setting A and D: every leaf has A, every writable one D.
            XCTAssertTrue(w.a, "A clear: the first access may fault")
            XCTAssertEqual(w.d, attrs.contains(.writable))
            XCTAssertEqual(space.translate(VirtualAddress(UInt(va) + 0x18))?.raw, frameOf[va]!.start.raw + 0x18)
            XCTAssertEqual(Sv39PageTable.attributes(Sv39PageTable.encodePage(frameOf[va]!, attrs)), attrs, "round trip")
        }
        XCTAssertNil(walkSv39(m, root: space.root, 0x8020_1000))
        XCTAssertNil(walkSv39(m, root: space.root, 0x40_0000_0000), "past the lower half: not canonical")
        XCTAssertEqual(space.unmap(Page(VirtualAddress(0x1000_0000))), frameOf[0x1000_0000])
        XCTAssertNil(walkSv39(m, root: space.root, 0x1000_0000))
    }

    func testSuperpagesAndReservedEncodingsDecodeAsTheWalkSeesThem() {
        // A 2 MiB leaf at level 1 and a 1 GiB leaf at level 2 are blocks.
        XCTAssertEqual(
            Sv39PageTable.decode((0x8020_0000 >> 12) << 10 | 0xCF, level: 1),
            .block(PhysicalAddress(0x8020_0000), [.writable, .executable]))
        XCTAssertEqual(
            Sv39PageTable.decode((0x8000_0000 >> 12) << 10 | 0x43, level: 2),
            .block(PhysicalAddress(0x8000_0000), []))
        // Misaligned superpages and W without R fault: the decoder must not call them mappings.
        XCTAssertEqual(Sv39PageTable.decode((0x8020_1000 >> 12) << 10 | 0x43, level: 1), .absent)
        XCTAssertEqual(Sv39PageTable.decode((0x8020_0000 >> 12) << 10 | 0x45, level: 0), .absent)
        // A pointer at the leaf level is reserved.
        XCTAssertEqual(Sv39PageTable.decode((0x8020_0000 >> 12) << 10 | 0x01, level: 0), .absent)
        XCTAssertEqual(Sv39PageTable.decode((0x8020_0000 >> 12) << 10 | 0x01, level: 1), .table(Frame(PhysicalAddress(0x8020_0000))))

        let m = M(megabytes: 4)
        var frames = m.frameAllocator()
        let space = AddressSpace(arch: m, frames: &frames)!
        // Root entry 2 -> a 1 GiB leaf at 0x8000_0000: both readers agree, and the mapper refuses to map under it.
        m.memory.storeBytes(of: (UInt64(0x8000_0000) >> 12) << 10 | 0xCF, toByteOffset: Int(space.root.start.raw) + 2 * 8, as: UInt64.self)
        XCTAssertEqual(space.translate(VirtualAddress(0x8123_4567))?.raw, 0x8123_4567)
        XCTAssertEqual(walkSv39(m, root: space.root, 0x8123_4567)?.leafBytes, 1 << 30)
        var tables = DirectFromFrames()
        XCTAssertEqual(
            thrown { () throws(MapError) in
                try space.map(
                    Page(VirtualAddress(0x8000_0000)), to: frames.allocate()!, .kernelData,
                    tables: &tables, frames: &frames)
            }, .alreadyMapped)
    }

    func testHeapGrowsAcrossTableBoundariesWithEveryStrategy() {
        // The emulated heap window at 0xD000_0000 lies in root entry 3: one new
        // level-1 table, then one leaf table per 2 MiB.
        let pages = 3 * 512 + 100
        for (name, tables) in [("spare", nil), ("direct", 5), ("pool:5", nil), ("prereserve", 1 + 128), ("tail", nil)] as [(String, Int?)] {
            let m = M(megabytes: 32)
            var h = GrownHeap(m, strategy: name, pages: pages)
            XCTAssertEqual(h.mallocs, 0, "\(name): growth allocated")
            XCTAssertEqual(h.grown, pages, name)
            if let tables { XCTAssertEqual(h.region.tables.tablesGiven, tables, name) }
            var seen = Set<UInt64>()
            for i in 0..<pages {
                let w = walkSv39(m, root: h.root, 0xD000_0000 + UInt64(i) * 4096)
                XCTAssertNotNil(w, "\(name) page \(i)")
                XCTAssertTrue(seen.insert(w?.physical ?? 0).inserted)
                XCTAssertEqual(w?.w, true); XCTAssertEqual(w?.d, true); XCTAssertEqual(w?.x, false); XCTAssertEqual(w?.u, false)
            }
            // Shrinking unmaps from the top: the walk finds nothing there any more.
            XCTAssertTrue(h.region.shrink(pages: 600, frames: &h.frames), name)
            XCTAssertNil(walkSv39(m, root: h.root, 0xD000_0000 + UInt64(pages - 1) * 4096), name)
            XCTAssertNotNil(walkSv39(m, root: h.root, 0xD000_0000 + UInt64(pages - 601) * 4096), name)
        }
    }

    func testDevicesAreFoundInQEMUVirtsShapeOfTree() throws {
        func tree(bootHart: UInt32 = 0, harts: Int = 2, mmu: String = "riscv,sv57", stdout: Bool = true) -> [UInt8] {
            var b = FDTBuilder(); b.begin(""); b.prop("#address-cells", cells: [2]); b.prop("#size-cells", cells: [2])
            b.begin("chosen"); if stdout { b.prop("stdout-path", string: "/soc/serial@10000000") }; b.end()
            b.begin("memory@80000000"); b.prop("device_type", string: "memory"); b.prop("reg", cells: [0, 0x8000_0000, 0, 0x0800_0000]);
            b.end()
            b.begin("cpus"); b.prop("#address-cells", cells: [1]); b.prop("#size-cells", cells: [0])
            b.prop("timebase-frequency", cells: [10_000_000])
            for h in 0..<harts {
                b.begin("cpu@\(h)"); b.prop("device_type", string: "cpu"); b.prop("reg", cells: [UInt32(h)])
                b.prop("status", string: "okay"); b.prop("mmu-type", string: mmu); b.end()
            }
            b.end()
            b.begin("soc"); b.prop("#address-cells", cells: [2]); b.prop("#size-cells", cells: [2]); b.prop("ranges", [])
            b.begin("serial@20000000"); b.prop("compatible", string: "ns16550a"); b.prop("reg", cells: [0, 0x2000_0000, 0, 0x100])
            b.prop("status", string: "disabled"); b.end()
            b.begin("serial@10000000"); b.prop("compatible", string: "ns16550a"); b.prop("reg", cells: [0, 0x1000_0000, 0, 0x100]); b.end()
            b.begin("test@100000"); b.prop("compatible", Array("sifive,test1\0sifive,test0\0syscon\0".utf8))
            b.prop("reg", cells: [0, 0x10_0000, 0, 0x1000]); b.end()
            b.begin("plic@c000000"); b.prop("compatible", Array("sifive,plic-1.0.0\0riscv,plic0\0".utf8))
            b.prop("reg", cells: [0, 0x0C00_0000, 0, 0x60_0000]); b.end()
            b.end()
            b.end()
            return b.blob()
        }
        func find(_ bytes: [UInt8], hart: UInt64) -> RISCV64Devices? {
            bytes.withUnsafeBytes { raw in
                guard let t = try? DeviceTree.open(raw.baseAddress!, available: raw.count) else { return nil }
                return RISCV64Devices.find(in: t, bootHart: hart)
            }
        }
        let d = try XCTUnwrap(find(tree(), hart: 1))
        XCTAssertEqual(d.uart?.start, 0x1000_0000)
        XCTAssertTrue(d.uartFromStdoutPath)
        XCTAssertEqual(d.testDevice?.start, 0x10_0000)
        XCTAssertEqual(d.plic?.start, 0x0C00_0000)
        XCTAssertEqual(d.timebaseHz, 10_000_000)
        XCTAssertEqual(d.harts, 2)
        XCTAssertTrue(d.bootHartFound, "hart 1 is the boot hart here: nothing may assume hart 0")
        XCTAssertTrue(d.bootHartHasSv39, "an Sv57 hart implements Sv39")
        // Without stdout-path the first enabled 16550 is the console, never the disabled one.
        let plain = try XCTUnwrap(find(tree(stdout: false), hart: 0))
        XCTAssertEqual(plain.uart?.start, 0x1000_0000)
        XCTAssertFalse(plain.uartFromStdoutPath)
        XCTAssertFalse(try XCTUnwrap(find(tree(), hart: 7)).bootHartFound)
        XCTAssertFalse(try XCTUnwrap(find(tree(mmu: "riscv,none"), hart: 0)).bootHartHasSv39)
    }

    /// Issue 21, bug 5.5: an SBI error was printed as an unsigned number.
    func testSBIErrorsAreNamed() {
        XCTAssertEqual(SBIError.name(-2).map { "\($0)" }, "not supported")
        XCTAssertEqual(SBIError.name(-13).map { "\($0)" }, "input or output error")
        XCTAssertNil(SBIError.name(-14))
        XCTAssertNil(SBIError.name(5))
    }
}
