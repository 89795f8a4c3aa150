import MallocCounter
import XCTest

@testable import KernelCore

/// What the aarch64 MMU would do with `va` (stage 1, 4 KiB granule, 48-bit VA,
/// Arm ARM D8.3), read from the raw descriptors, independent of the kernel's decoder.
struct AArch64Walk: Equatable {
    let physical: UInt64
    let readOnly: Bool, el0: Bool, pxn: Bool, uxn: Bool
    let attrIndex: UInt64
    let accessFlag: Bool
    let leafBytes: UInt64
}

func walkAArch64(_ m: EmulatedMachine<AArch64PageTable>, root: Frame, _ va: UInt64) -> AArch64Walk? {
    var table = root.start.raw
    for armLevel in 0...3 {
        let shift = UInt64(39 - 9 * armLevel)
        let d = m.memory.load(fromByteOffset: Int(table + ((va >> shift) & 511) * 8), as: UInt64.self)
        if d & 1 == 0 { return nil }
        let isTableOrPage = d & 2 != 0
        let leaf = armLevel == 3 ? isTableOrPage : !isTableOrPage
        if !leaf {
            if armLevel == 3 || !isTableOrPage { return nil }
            table = d & 0x0000_FFFF_FFFF_F000
            continue
        }
        if armLevel == 0 { return nil }  // no level 0 blocks with a 4 KiB granule
        let size = UInt64(1) << shift
        return AArch64Walk(
            physical: (d & 0x0000_FFFF_FFFF_F000 & ~(size - 1)) | (va & (size - 1)),
            readOnly: d & (1 << 7) != 0, el0: d & (1 << 6) != 0,
            pxn: d & (1 << 53) != 0, uxn: d & (1 << 54) != 0,
            attrIndex: (d >> 2) & 7, accessFlag: d & (1 << 10) != 0, leafBytes: size)
    }
    return nil
}

final class AArch64Tests: XCTestCase {
    typealias M = EmulatedMachine<AArch64PageTable>

    func testMappingsReadBackThroughTheHardwareWalk() {
        let m = M(megabytes: 8)
        var frames = m.frameAllocator()
        let space = AddressSpace(arch: m, frames: &frames)!
        var tables = DirectFromFrames()
        let cases: [(UInt64, PageAttributes)] = [
            (0x4000_0000, [.writable, .executable, .global]),  // kernel code and data
            (0x0900_0000, [.writable, .device, .global]),  // a UART
            (0x10_0000_0000, .kernelData),  // the heap window
            (0x7F_FFFF_F000, [.user]),  // user read-only data
            (0x0040_1000, [.user, .writable, .executable]),  // user code
            (0x0050_0000, [.user, .writable, .device, .borrowed]),  // a device's registers in a task
        ]
        var frameOf: [UInt64: Frame] = [:]
        for (va, attrs) in cases {
            let f = frames.allocate()!
            XCTAssertNoThrow(try space.map(Page(VirtualAddress(UInt(va))), to: f, attrs, tables: &tables, frames: &frames))
            frameOf[va] = f
        }
        for (va, attrs) in cases {
            guard let w = walkAArch64(m, root: space.root, va + 0x10) else { XCTFail("\(va) unmapped"); continue }
            XCTAssertEqual(w.physical, frameOf[va]!.start.raw + 0x10)
            XCTAssertEqual(w.leafBytes, 4096)
            XCTAssertTrue(w.accessFlag, "AF clear: the first access would fault")
            XCTAssertEqual(w.readOnly, !attrs.contains(.writable))
            XCTAssertEqual(w.el0, attrs.contains(.user))
            XCTAssertEqual(w.attrIndex, attrs.contains(.device) ? 1 : 0)
            // The kernel may execute only kernel code; EL0 only user code.
            XCTAssertEqual(w.pxn, attrs.contains(.user) || !attrs.contains(.executable))
            XCTAssertEqual(w.uxn, !(attrs.contains(.user) && attrs.contains(.executable)))
            XCTAssertEqual(space.translate(VirtualAddress(UInt(va) + 0x10))?.raw, frameOf[va]!.start.raw + 0x10)
            XCTAssertEqual(AArch64PageTable.attributes(AArch64PageTable.encodePage(frameOf[va]!, attrs)), attrs, "round trip")
        }
        XCTAssertNil(walkAArch64(m, root: space.root, 0x4000_1000))
        XCTAssertEqual(space.unmap(Page(VirtualAddress(0x0900_0000))), frameOf[0x0900_0000])
        XCTAssertNil(walkAArch64(m, root: space.root, 0x0900_0000))
    }

    func testBlockDescriptorsAreLeavesAtTheirLevels() {
        let m = M(megabytes: 4)
        var frames = m.frameAllocator()
        let space = AddressSpace(arch: m, frames: &frames)!
        // Root entry 0 -> an L1 table whose entry 1 is a 1 GiB block at 0x4000_0000.
        let l1 = frames.allocate()!
        space.zero(l1)
        m.memory.storeBytes(of: AArch64PageTable.encodeTable(l1), toByteOffset: Int(space.root.start.raw), as: UInt64.self)
        m.memory.storeBytes(of: UInt64(0x4000_0000 | 0x401), toByteOffset: Int(l1.start.raw) + 8, as: UInt64.self)
        XCTAssertEqual(space.translate(VirtualAddress(0x4123_4567))?.raw, 0x4123_4567)
        XCTAssertEqual(walkAArch64(m, root: space.root, 0x4123_4567)?.leafBytes, 1 << 30)
        XCTAssertEqual(
            AArch64PageTable.decode(0x4000_0401, level: 2), .block(PhysicalAddress(0x4000_0000), [.writable, .executable, .global]))
        XCTAssertEqual(AArch64PageTable.decode(0x4000_0401, level: 3), .absent, "no blocks at the root")
        XCTAssertEqual(AArch64PageTable.decode(0x4000_0401, level: 0), .absent, "0b01 is reserved at the leaf level")
        var tables = DirectFromFrames()
        XCTAssertEqual(
            thrown { () throws(MapError) in
                try space.map(
                    Page(VirtualAddress(0x4000_0000)), to: frames.allocate()!, .kernelData,
                    tables: &tables, frames: &frames)
            }, .alreadyMapped)
    }

    func testHeapGrowsAcrossTableBoundariesWithEveryStrategy() {
        // 0xD000_0000 needs an L1, an L2 and an L3 table at first; then one L3 per 2 MiB.
        let pages = 3 * 512 + 100
        for (name, tables, held) in [("spare", 3 + 3, 3), ("direct", 6, 0), ("pool:5", 6, 2), ("prereserve", 2 + 128, 0), ("tail", 6, 3)] {
            let m = M(megabytes: 32)
            let h = GrownHeap(m, strategy: name, pages: pages)
            XCTAssertEqual(h.mallocs, 0, "\(name): growth allocated")
            XCTAssertEqual(h.grown, pages, name)
            XCTAssertEqual(h.region.tables.tablesGiven, tables, name)
            XCTAssertEqual(h.region.tables.heldFrames, held, name)
            var seen = Set<UInt64>()
            for i in 0..<pages {
                let w = walkAArch64(m, root: h.root, 0xD000_0000 + UInt64(i) * 4096)
                XCTAssertNotNil(w, "\(name) page \(i)")
                XCTAssertTrue(seen.insert(w?.physical ?? 0).inserted)
                XCTAssertEqual(w?.readOnly, false); XCTAssertEqual(w?.pxn, true); XCTAssertEqual(w?.el0, false)
            }
        }
    }
}
