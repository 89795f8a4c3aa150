// A host stand-in for a CPU: "physical memory" is a byte array, and the
// privileged primitives only record what they were asked to do. Shared by the
// host tests (Tests/KernelTests) and the benchmarks (Bench/), through symlinks.
#if canImport(KernelCore)
    @testable import KernelCore
#endif

final class EmulatedMachine<F: PageTableFormat>: MMU, VirtualLayout {
    typealias Format = F
    static var heapWindow: VirtualRange { VirtualRange(start: VirtualAddress(0xD000_0000), end: VirtualAddress(0xE000_0000)) }
    static var stackWindow: VirtualRange { VirtualRange(start: VirtualAddress(0xE000_0000), end: VirtualAddress(0xE100_0000)) }
    static var userWindow: VirtualRange { VirtualRange(start: VirtualAddress(0xC000_0000), end: VirtualAddress(0xD000_0000)) }
    static var directMapLimit: UInt64 { 1 << 32 }

    let memory: UnsafeMutableRawPointer
    let bytes: Int
    /// Invalidations, and runs of new mappings published (the barrier an
    /// aarch64 kernel issues). Counted through a pointer: a class property's
    /// dynamic exclusivity check would cost the host benchmarks more than the
    /// kernel's own instruction does.
    private let counters = UnsafeMutablePointer<Int>.allocate(capacity: 2)
    var invalidations: Int { counters[0] }
    var publications: Int { counters[1] }
    private(set) var activeRoot: Frame? = nil

    /// `lazy`: leave the memory as the host hands it out (zero, and backed only
    /// where it is touched), so that gigabytes cost nothing until used.
    init(megabytes: Int, lazy: Bool = false) {
        bytes = megabytes << 20
        memory = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 4096)
        if !lazy { memory.initializeMemory(as: UInt8.self, repeating: 0xA5, count: bytes) }  // stale contents
        counters.initialize(repeating: 0, count: 2)
    }
    deinit { memory.deallocate(); counters.deallocate() }

    func pointer(to address: PhysicalAddress) -> UnsafeMutableRawPointer {
        precondition(address.raw < UInt64(bytes), "emulated physical access out of range")
        return memory + Int(address.raw)
    }
    func activate(root: Frame) { activeRoot = root }
    func invalidate(_ page: Page) { counters[0] += 1 }
    func publishNewMappings() { counters[1] += 1 }

    /// A normalized map: all of RAM usable except the first MiB.
    func memoryMap(reserving kernelEnd: UInt64 = 0x20_0000) -> MemoryMap {
        var map = MemoryMap()
        try? map.add(start: 0, length: 0x9F000, kind: .usable)
        try? map.add(start: 0x10_0000, length: UInt64(bytes) - 0x10_0000, kind: .usable)
        map.reserve(start: 0x10_0000, end: kernelEnd, kind: .kernelImage)
        map.normalize(pageSize: F.pageSize, limit: UInt64(bytes))
        return map
    }

    func frameAllocator() -> FrameAllocator {
        var map = memoryMap()
        return try! FrameAllocator(map: &map, pageSize: F.pageSize, reach: { pointer(to: $0) })
    }
}

/// What the i386 MMU would do with `va`, read straight from the raw entries with
/// the bit layout of Intel SDM vol. 3 §4.3, independent of the kernel's decoder.
struct I386Walk: Equatable {
    let physical: UInt64
    let writable: Bool
    let user: Bool
}

func walkI386(_ m: EmulatedMachine<I386PageTable>, root: Frame, _ va: UInt32) -> I386Walk? {
    let pde = m.memory.load(fromByteOffset: Int(root.start.raw) + Int(va >> 22) * 4, as: UInt32.self)
    if pde & 1 == 0 { return nil }
    if pde & 0x80 != 0 {  // 4 MiB page
        return I386Walk(
            physical: UInt64(pde & 0xFFC0_0000) | UInt64(va & 0x3F_FFFF),
            writable: pde & 2 != 0, user: pde & 4 != 0)
    }
    let pte = m.memory.load(fromByteOffset: Int(pde & 0xFFFF_F000) + Int((va >> 12) & 0x3FF) * 4, as: UInt32.self)
    if pte & 1 == 0 { return nil }
    // Effective rights are the AND of both levels.
    return I386Walk(
        physical: UInt64(pte & 0xFFFF_F000) | UInt64(va & 0xFFF),
        writable: pde & pte & 2 != 0, user: pde & pte & 4 != 0)
}

/// Heap memory taken from the host, handed out like sbrk (contiguous, in pages).
struct HostArena: HeapGrowth {
    let base: UnsafeMutableRawPointer
    let capacity: UInt
    var used: UInt = 0
    var calls = 0
    /// What a debug heap found while it served a call (a use after free), in order.
    var found: [HeapError] = []

    init(megabytes: Int) {
        capacity = UInt(megabytes) << 20
        base = UnsafeMutableRawPointer.allocate(byteCount: Int(capacity), alignment: 4096)
    }
    func release() { base.deallocate() }

    mutating func grow(atLeast bytes: UInt) -> (start: UnsafeMutableRawPointer, bytes: UInt)? {
        let rounded = (bytes + 4095) & ~4095
        if rounded > capacity - used { return nil }
        defer { used += rounded; calls += 1 }
        return (base + Int(used), rounded)
    }

    /// Take back the top of what was handed out, like a negative sbrk.
    mutating func shrink(start: UInt, bytes: UInt) -> Bool {
        guard start + bytes == UInt(bitPattern: base) + used, bytes <= used else { return false }
        used -= bytes
        return true
    }

    mutating func heapFound(_ problem: HeapError) { found.append(problem) }
}

/// What `body` threw, or nil if it returned: for the tests to compare errors as values.
func thrown<E: Error>(_ body: () throws(E) -> Void) -> E? {
    do throws(E) {
        try body()
        return nil
    } catch {
        return error
    }
}
// What one expression threw, or nil, for each error type the tests compare: an
// autoclosure of a named thrown type (Swift does not infer a closure's from its body).
func heapError<T>(_ body: @autoclosure () throws(HeapError) -> T) -> HeapError? { thrown { () throws(HeapError) in _ = try body() } }
func frameError<T>(_ body: @autoclosure () throws(FrameFreeError) -> T) -> FrameFreeError? {
    thrown { () throws(FrameFreeError) in _ = try body() }
}
func mapEntryError<T>(_ body: @autoclosure () throws(MemoryMapError) -> T) -> MemoryMapError? {
    thrown { () throws(MemoryMapError) in _ = try body() }
}
func syscallError<T>(_ body: @autoclosure () throws(SyscallError) -> T) -> SyscallError? {
    thrown { () throws(SyscallError) in _ = try body() }
}
