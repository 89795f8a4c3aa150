import XCTest

@testable import KernelCore

/// Regions (Sources/IPC/Regions.swift) through the capability rules of
/// IPCCore: one test per rule.
final class RegionTests: XCTestCase {
    var ipc = IPCCore()
    let owner = 1, reader = 2, writer = 3
    let base: UInt64 = 0x4010_0000, bytes: UInt64 = 0x4000

    /// The owner makes a memory region in slot 0 and gives `reader` a read-only
    /// copy in its slot 0 and `writer` a full one.
    override func setUp() {
        XCTAssertNil(syscallError(try ipc.createRegion(owner, into: 0, .memory, base: base, size: bytes)))
        XCTAssertNil(syscallError(try ipc.caps.derive(owner, from: 0, into: reader, at: 0, rights: .read, badge: 0)))
        XCTAssertNil(syscallError(try ipc.caps.derive(owner, from: 0, into: writer, at: 0, rights: [.read, .write], badge: 0)))
    }

    func testARegionIsNamedByItsCapabilitiesWithTheirRights() {
        XCTAssertEqual(try ipc.caps.lookup(owner, 0).object, .region(0))
        XCTAssertEqual(try ipc.caps.lookup(reader, 0).rights, .read, "read only: map it, not writable")
        XCTAssertEqual(ipc.regions.record(0), RegionRecord(state: .live, space: .memory, base: base, size: bytes))
        XCTAssertEqual(ipc.caps.counts(.region(0)).references, 3)
    }

    /// A sharer that dies mid-use takes nothing from the others: the frames go
    /// back only when the last capability and the last mapping are gone.
    func testTheFramesGoBackWhenTheLastSharerIsGone() {
        ipc.regions.mapped(0)  // reader and writer map it
        ipc.regions.mapped(0)
        XCTAssertNil(syscallError(try ipc.delete(owner, 0)), "the owner lets go: it never mapped it")
        _ = ipc.threadDied(reader)
        ipc.regions.unmapped(0)  // the reader's space is torn down
        XCTAssertEqual(ipc.regions.record(0)?.mappings, 1, "the writer still maps it")
        XCTAssertNil(ipc.regions.nextDraining(), "nothing to give back while the writer uses it")
        _ = ipc.threadDied(writer)
        XCTAssertNil(ipc.regions.nextDraining(), "its capability is gone, its mapping not yet")
        ipc.regions.unmapped(0)
        XCTAssertEqual(ipc.regions.nextDraining()?.record.base, base, "now its frames go back")
        XCTAssertEqual(ipc.regions.nextDraining()?.record.size, bytes)
        XCTAssertFalse(ipc.regions.exists(0), "no capability can reach it while it drains")
        XCTAssertEqual(ipc.regions.memoryHeld().regions, 1, "held until the kernel has freed the frames")
        ipc.regions.drained(0)
        XCTAssertEqual(ipc.regions.memoryHeld().regions, 0)
        XCTAssertNil(syscallError(try ipc.createRegion(owner, into: 0, .memory, base: base, size: bytes)), "the number is free again")
    }

    /// Deleting a capability keeps the mapping made through it: only the last
    /// mapping's teardown can free the frames.
    func testAMappingHoldsTheRegionAfterItsCapabilityIsDeleted() {
        ipc.regions.mapped(0)
        for t in [owner, reader, writer] { XCTAssertNil(syscallError(try ipc.delete(t, 0))) }
        XCTAssertTrue(ipc.regions.exists(0), "still mapped")
        ipc.regions.unmapped(0)
        XCTAssertNotNil(ipc.regions.nextDraining())
        ipc.regions.unmapped(0)  // an unmap too many changes nothing
        XCTAssertEqual(ipc.regions.nextDraining()?.record.mappings, 0)
    }

    /// No two objects drive one device: overlapping registers or ports are busy,
    /// and nothing is installed. Memory regions never clash (the kernel took distinct frames).
    func testDevicesAndPortsDoNotOverlap() {
        let uart: UInt64 = 0x0900_0000
        XCTAssertNil(syscallError(try ipc.createRegion(owner, into: 1, .device, base: uart, size: 0x1000)))
        XCTAssertEqual(syscallError(try ipc.createRegion(owner, into: 2, .device, base: uart + 0x800, size: 0x1000)), .busy)
        XCTAssertEqual(syscallError(try ipc.caps.lookup(owner, 2)), .emptySlot, "nothing installed")
        XCTAssertNil(
            syscallError(try ipc.createRegion(owner, into: 2, .device, base: uart + 0x1000, size: 0x1000)), "the next page is free")
        XCTAssertNil(syscallError(try ipc.createRegion(owner, into: 3, .ports, base: 0x3F8, size: 8)))
        XCTAssertEqual(syscallError(try ipc.createRegion(owner, into: 4, .ports, base: 0x3FF, size: 1)), .busy)
        XCTAssertNil(syscallError(try ipc.createRegion(owner, into: 4, .ports, base: 0x2F8, size: 8)))
        XCTAssertNil(syscallError(try ipc.createRegion(owner, into: 5, .memory, base: base, size: bytes)), "memory is not checked")
    }

    /// A device's registers are nobody's frames: when its last capability goes
    /// the number is free at once, with nothing to drain, and the range may be taken again.
    func testADeviceRegionIsNeverDrained() {
        XCTAssertNil(syscallError(try ipc.createRegion(owner, into: 1, .device, base: 0x0900_0000, size: 0x1000)))
        XCTAssertNil(syscallError(try ipc.delete(owner, 1)))
        XCTAssertFalse(ipc.regions.exists(1))
        XCTAssertNil(ipc.regions.nextDraining())
        XCTAssertNil(syscallError(try ipc.createRegion(owner, into: 1, .device, base: 0x0900_0000, size: 0x1000)))
    }

    func testAFullTableOrAnEmptyRangeIsRefusedWithNothingLeft() {
        XCTAssertEqual(syscallError(try ipc.createRegion(owner, into: 1, .memory, base: base, size: 0)), .badRequest)
        XCTAssertEqual(syscallError(try ipc.createRegion(owner, into: 1, .device, base: UInt64.max - 1, size: 4)), .badRequest)
        for i in 1..<Regions.capacity {
            XCTAssertNil(syscallError(try ipc.createRegion(reader, into: i, .memory, base: base, size: bytes)))
        }
        XCTAssertEqual(syscallError(try ipc.createRegion(owner, into: 1, .memory, base: base, size: bytes)), .noResources)
        XCTAssertEqual(syscallError(try ipc.caps.lookup(owner, 1)), .emptySlot)
        XCTAssertEqual(syscallError(try ipc.createRegion(owner, into: 0, .memory, base: base, size: bytes)), .slotFull)
    }
}
