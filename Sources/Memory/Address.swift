// Typed addresses. A physical address is never dereferenced as it is: the
// architecture's direct map turns it into a pointer. Keeping the two kinds
// apart lets the compiler catch a physical/virtual mix-up.

/// An address on the memory bus (what a page-table entry or DMA engine sees).
struct PhysicalAddress: Equatable, Comparable {
    var raw: UInt64
    init(_ raw: UInt64) { self.raw = raw }
    static func < (a: PhysicalAddress, b: PhysicalAddress) -> Bool { a.raw < b.raw }
    func adding(_ bytes: UInt64) -> PhysicalAddress { PhysicalAddress(raw + bytes) }
}

/// An address the CPU issues with translation on.
struct VirtualAddress: Equatable, Comparable {
    var raw: UInt
    init(_ raw: UInt) { self.raw = raw }
    static func < (a: VirtualAddress, b: VirtualAddress) -> Bool { a.raw < b.raw }
    func adding(_ bytes: UInt) -> VirtualAddress { VirtualAddress(raw + bytes) }
}

/// One page-sized, page-aligned piece of physical memory.
struct Frame: Equatable {
    let start: PhysicalAddress
    /// `start` must be page aligned; the caller knows the page size.
    init(_ start: PhysicalAddress) { self.start = start }
}

/// One page-sized, page-aligned piece of virtual address space.
struct Page: Equatable {
    let start: VirtualAddress
    init(_ start: VirtualAddress) { self.start = start }
}

func alignDown(_ value: UInt64, _ alignment: UInt64) -> UInt64 { value & ~(alignment - 1) }
/// `value` aligned up, but never past `limit`: a value at or past the limit, or in the
/// last page of the address space (no aligned address above it), gives the limit.
func alignUp(_ value: UInt64, _ alignment: UInt64, notPast limit: UInt64) -> UInt64 {
    if value >= limit || value > UInt64.max - (alignment - 1) { return limit }
    return min(alignUp(value, alignment), limit)
}

/// Traps only if the aligned value does not exist (above the last aligned address).
func alignUp(_ value: UInt64, _ alignment: UInt64) -> UInt64 { (value + (alignment - 1)) & ~(alignment - 1) }
