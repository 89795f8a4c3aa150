import XCTest

@testable import KernelCore

/// User pointers are checked against the window and the page tables; root
/// entries are shared with the kernel and synced on demand.
final class UserMemoryTests: XCTestCase {
    typealias M = EmulatedMachine<I386PageTable>
    let window = VirtualRange(start: VirtualAddress(0xC000_0000), end: VirtualAddress(0xD000_0000))

    func testCopiesCheckEveryPageOfTheRange() throws {
        let m = M(megabytes: 8)
        var frames = m.frameAllocator()
        let space = AddressSpace(arch: m, frames: &frames)!
        var tables = DirectFromFrames()
        let base: UInt = 0xC000_0000
        try space.map(Page(VirtualAddress(base)), to: frames.allocate()!, [.user, .writable], tables: &tables, frames: &frames)
        try space.map(Page(VirtualAddress(base + 0x1000)), to: frames.allocate()!, [.user], tables: &tables, frames: &frames)
        try space.map(Page(VirtualAddress(base + 0x2000)), to: frames.allocate()!, [.writable], tables: &tables, frames: &frames)
        let user = UserMemory(space: space, window: window)
        let message: [UInt8] = Array(0..<40)
        // A write that straddles the writable page into the read-only one is refused whole.
        XCTAssertFalse(message.withUnsafeBytes { user.copyOut($0.baseAddress!, length: 40, to: base + 0xFF0) })
        XCTAssertTrue(message.withUnsafeBytes { user.copyOut($0.baseAddress!, length: 40, to: base + 0xFC0) })
        var back = [UInt8](repeating: 0, count: 40)
        XCTAssertTrue(back.withUnsafeMutableBytes { user.copyIn(from: base + 0xFC0, length: 40, into: $0.baseAddress!) })
        XCTAssertEqual(back, message)
        XCTAssertTrue(user.check(base + 0xFF0, 40, .read), "reading across into the read-only page is fine")
        XCTAssertFalse(user.check(base + 0x1FF0, 40, .read), "the next page is kernel-only")
        XCTAssertFalse(user.check(base + 0x3000, 1, .read), "unmapped")
        XCTAssertFalse(user.check(0x0010_0000, 4, .read), "below the window (the kernel)")
        XCTAssertFalse(user.check(0xCFFF_FFFF, 2, .read), "past the window's end")
        XCTAssertFalse(user.check(UInt.max - 3, 8, .read), "wraps around")
        XCTAssertFalse(user.check(base, -1, .read))
        XCTAssertTrue(user.check(0, 0, .read), "an empty range names no memory")
    }

    /// A device's registers mapped for the task (a device region) are never a
    /// system call's buffer: a kernel read could take a byte from a FIFO.
    func testADevicePageIsNoBuffer() throws {
        let m = M(megabytes: 8)
        var frames = m.frameAllocator()
        let space = AddressSpace(arch: m, frames: &frames)!
        var tables = DirectFromFrames()
        let base: UInt = 0xC000_0000
        try space.map(Page(VirtualAddress(base)), to: frames.allocate()!, [.user, .writable], tables: &tables, frames: &frames)
        try space.map(
            Page(VirtualAddress(base + 0x1000)), to: frames.allocate()!, [.user, .writable, .device, .borrowed], tables: &tables,
            frames: &frames)
        let user = UserMemory(space: space, window: window)
        XCTAssertTrue(user.check(base, 0x1000, .write))
        XCTAssertFalse(user.check(base + 0x1000, 4, .read), "the registers: refused for reading")
        XCTAssertFalse(user.check(base + 0x1000, 4, .write), "and for writing")
        XCTAssertFalse(user.check(base + 0xFFC, 8, .read), "a range reaching into them is refused whole")
    }

    /// A user memory over a space where `pages` are mapped user-writable, the
    /// window's own and the ones just outside it: only the window's bounds
    /// can refuse a range that reaches them.
    func userMemory(mapping pages: [UInt]) -> UserMemory<M> {
        let m = M(megabytes: 8)
        var frames = m.frameAllocator()
        let space = AddressSpace(arch: m, frames: &frames)!
        var tables = DirectFromFrames()
        for page in pages {
            XCTAssertNoThrow(
                try space.map(Page(VirtualAddress(page)), to: frames.allocate()!, [.user, .writable], tables: &tables, frames: &frames))
        }
        return UserMemory(space: space, window: window)
    }

    /// Issue 13, bug 18: with the window-end bound removed every other test still
    /// passed, since the page past the window was unmapped there. Here it is mapped
    /// for the user, so only the bound can refuse the range.
    func testARangeRunningPastTheWindowsEndIsRefusedEvenWhenMapped() {
        let user = userMemory(mapping: [0xCFFF_F000, 0xD000_0000])
        XCTAssertTrue(user.check(0xCFFF_FFF0, 16, .write), "the window's last bytes")
        XCTAssertFalse(user.check(0xCFFF_FFF0, 32, .read), "16 bytes past the window's end")
        XCTAssertFalse(user.check(0xD000_0000, 4, .read), "wholly past the end")
    }

    /// Issue 21, §7: the window's start bound, likewise.
    func testARangeStartingBelowTheWindowIsRefusedEvenWhenMapped() {
        let user = userMemory(mapping: [0xBFFF_F000, 0xC000_0000])
        XCTAssertTrue(user.check(0xC000_0000, 16, .write), "the window's first bytes")
        XCTAssertFalse(user.check(0xBFFF_FFF0, 32, .read), "16 bytes before the window's start")
        XCTAssertFalse(user.check(0xBFFF_F000, 4, .read), "wholly below it")
    }

    func testTaskRootsShareKernelEntriesAndSyncNewOnes() throws {
        let m = M(megabytes: 8)
        var frames = m.frameAllocator()
        let kernel = AddressSpace(arch: m, frames: &frames)!
        var tables = DirectFromFrames()
        try kernel.map(Page(VirtualAddress(0x0010_0000)), to: frames.allocate()!, .kernelData, tables: &tables, frames: &frames)
        let task = AddressSpace(arch: m, frames: &frames)!
        task.shareRootEntries(from: kernel, except: window)
        XCTAssertNotNil(task.translate(VirtualAddress(0x0010_0000)), "the kernel is visible in the task")
        // The task's own user mapping stays its own.
        try task.map(Page(VirtualAddress(0xC000_0000)), to: frames.allocate()!, [.user], tables: &tables, frames: &frames)
        XCTAssertNil(kernel.translate(VirtualAddress(0xC000_0000)))
        // Heap growth after the task was made adds a root entry in the kernel only...
        try kernel.map(Page(VirtualAddress(0xD040_0000)), to: frames.allocate()!, .kernelData, tables: &tables, frames: &frames)
        XCTAssertNil(task.translate(VirtualAddress(0xD040_0000)))
        // ...which the fault path copies in, once.
        XCTAssertTrue(task.syncRootEntry(for: VirtualAddress(0xD040_0123), from: kernel))
        XCTAssertEqual(task.translate(VirtualAddress(0xD040_0000)), kernel.translate(VirtualAddress(0xD040_0000)))
        XCTAssertFalse(task.syncRootEntry(for: VirtualAddress(0xD040_0123), from: kernel), "already there")
        XCTAssertFalse(task.syncRootEntry(for: VirtualAddress(0xE800_0000), from: kernel), "absent in the kernel too")
    }
}

/// Tearing a task's address space down gives back every frame it took and
/// leaves the kernel's shared tables alone.
final class AddressSpaceTeardownTests: XCTestCase {
    func check<F: PageTableFormat>(_ format: F.Type, window: VirtualRange) throws {
        let m = EmulatedMachine<F>(megabytes: 16)
        var frames = m.frameAllocator()
        let kernel = AddressSpace(arch: m, frames: &frames)!
        var tables = DirectFromFrames()
        try kernel.map(Page(VirtualAddress(0x0010_0000)), to: frames.allocate()!, .kernelData, tables: &tables, frames: &frames)
        let before = frames.freeFrames
        let task = AddressSpace(arch: m, frames: &frames)!
        task.shareRootEntries(from: kernel, except: window)
        // Pages spread over several leaf tables of the window.
        for offset: UInt in [0, 0x1000, 0x40_0000, 0x80_1000, 0xFF0_0000] {
            try task.map(
                Page(VirtualAddress(window.start.raw + offset)), to: frames.allocate()!, [.user, .writable],
                tables: &tables, frames: &frames)
        }
        // A borrowed page (a shared region's frame, owned by its object) is dropped, never freed.
        let lent = frames.allocate()!
        try task.map(
            Page(VirtualAddress(window.start.raw + 0x100_0000)), to: lent, [.user, .writable, .borrowed],
            tables: &tables, frames: &frames)
        let taken = before - frames.freeFrames - 1
        XCTAssertGreaterThan(taken, 5)
        XCTAssertEqual(task.framesHeld(userWindow: window), taken, "counted without freeing: what destroy gives back")
        XCTAssertEqual(frames.freeFrames, before - taken - 1)
        XCTAssertEqual(task.destroy(userWindow: window, frames: &frames), taken, "every frame the task took comes back")
        XCTAssertEqual(frames.freeFrames, before - 1)
        XCTAssertFalse(frames.isFree(Frame(lent.start)), "the borrowed frame still belongs to its owner")
        XCTAssertNotNil(kernel.translate(VirtualAddress(0x0010_0000)), "the kernel's tables are untouched")
    }

    func testI386() throws {
        try check(I386PageTable.self, window: VirtualRange(start: VirtualAddress(0xC000_0000), end: VirtualAddress(0xD000_0000)))
    }

    func testAArch64() throws {
        try check(AArch64PageTable.self, window: VirtualRange(start: VirtualAddress(0x80_0000_0000), end: VirtualAddress(0x80_1000_0000)))
    }

    func testRISCV64() throws {
        try check(Sv39PageTable.self, window: VirtualRange(start: VirtualAddress(0x20_0000_0000), end: VirtualAddress(0x20_1000_0000)))
    }
}
