import XCTest

@testable import KernelCore

/// Thread stacks with guard pages, checked through the independent i386 walker.
final class KernelStacksTests: XCTestCase {
    typealias M = EmulatedMachine<I386PageTable>

    func testStacksAreMappedAndTheirGuardPagesAreNot() {
        let m = M(megabytes: 8)
        var frames = m.frameAllocator()
        let space = AddressSpace(arch: m, frames: &frames)!
        var tables = DirectFromFrames()
        var stacks = KernelStacks<M>(window: M.stackWindow, stackPages: 4)
        let free0 = frames.freeFrames
        var slots: [StackSlot] = []
        for _ in 0..<3 {
            guard case .success(let s) = stacks.outcome(space: space, tables: &tables, frames: &frames) else {
                return XCTFail("no stack")
            }
            slots.append(s)
        }
        XCTAssertEqual(slots.map(\.index), [0, 1, 2])
        XCTAssertEqual(free0 - frames.freeFrames, 3 * 4 + 1, "four pages per stack plus one leaf table")
        for s in slots {
            XCTAssertEqual(s.top.raw - s.bottom.raw, 4 * 4096)
            XCTAssertEqual(s.bottom.raw - s.guardPage.start.raw, 4096)
            XCTAssertNil(walkI386(m, root: space.root, UInt32(s.guardPage.start.raw)), "guard page is mapped")
            XCTAssertNil(walkI386(m, root: space.root, UInt32(s.bottom.raw - 1)), "last byte below the stack is mapped")
            for va in stride(from: s.bottom.raw, to: s.top.raw, by: 4096) {
                let w = walkI386(m, root: space.root, UInt32(va))
                XCTAssertNotNil(w, "stack page \(va) unmapped")
                XCTAssertEqual(w?.writable, true)
                XCTAssertEqual(w?.user, false)
                let p = m.pointer(to: PhysicalAddress(w!.physical))
                XCTAssertTrue((0..<4096).allSatisfy { p.load(fromByteOffset: $0, as: UInt8.self) == 0 }, "stack not zeroed")
            }
            XCTAssertEqual(stacks.guardSlot(containing: UInt64(s.guardPage.start.raw) + 100), s.index)
            XCTAssertNil(stacks.guardSlot(containing: UInt64(s.bottom.raw)))
        }
        // A released stack is unmapped, its frames come back, and its slot is reused.
        stacks.release(slots[1], space: space, frames: &frames)
        XCTAssertNil(walkI386(m, root: space.root, UInt32(slots[1].bottom.raw)))
        XCTAssertEqual(free0 - frames.freeFrames, 2 * 4 + 1)
        guard case .success(let again) = stacks.outcome(space: space, tables: &tables, frames: &frames) else {
            return XCTFail("no stack after release")
        }
        XCTAssertEqual(again.index, 1)
    }

    func testRunningOutOfFramesOrSlotsLeavesNothingTaken() {
        let m = M(megabytes: 8)
        var frames = m.frameAllocator()
        let space = AddressSpace(arch: m, frames: &frames)!
        var tables = DirectFromFrames()
        var stacks = KernelStacks<M>(window: M.stackWindow, stackPages: 4)
        _ = stacks.outcome(space: space, tables: &tables, frames: &frames)  // installs the leaf table
        var hoard: [Frame] = []
        while frames.freeFrames > 2, let f = frames.allocate() { hoard.append(f) }
        XCTAssertEqual(stacks.outcome(space: space, tables: &tables, frames: &frames), .failure(.noFrame))
        XCTAssertEqual(frames.freeFrames, 2, "the two pages mapped before the failure were given back")
        XCTAssertNil(walkI386(m, root: space.root, UInt32(stacks.slot(1).bottom.raw)))
        for f in hoard { try? frames.free(f) }

        var small = KernelStacks<M>(
            window: VirtualRange(start: VirtualAddress(0xE800_0000), end: VirtualAddress(0xE800_A000)),
            stackPages: 4)
        XCTAssertEqual(small.slots, 2)
        XCTAssertNotNil(try? small.outcome(space: space, tables: &tables, frames: &frames).get())
        XCTAssertNotNil(try? small.outcome(space: space, tables: &tables, frames: &frames).get())
        XCTAssertEqual(small.outcome(space: space, tables: &tables, frames: &frames), .failure(.noSlot))
    }
}

extension KernelStacks {
    /// allocate's outcome as a value the tests compare.
    mutating func outcome<P: TableProvisioning>(space: AddressSpace<A>, tables: inout P, frames: inout FrameAllocator)
        -> Result<StackSlot, StackError>
    {
        do throws(StackError) {
            return .success(try allocate(space: space, tables: &tables, frames: &frames))
        } catch {
            return .failure(error)
        }
    }
}
