// The RISC-V Sv39 format (privileged spec, "Sv39: Page-Based 39-bit Virtual-
// Memory System"): three levels of 512 64-bit entries, 4 KiB pages, 39-bit
// virtual addresses (bit 38 sign-extended). Level 0 is the leaf, level 2 the
// root. Pure: the host tests read tables with it.
//   bit 0 V   valid
//   bits 3:1  R W X: all clear, a pointer to the next table; any set, a leaf
//             (W without R is reserved)
//   bit 4 U   user mode may access (and the supervisor may not, with SUM clear)
//   bit 5 G   global (in every address space)
//   bit 6 A, bit 7 D: accessed and dirty. Set in every leaf (D on writable
//             ones): an implementation may fault instead of setting them.
//   bits 9:8  RSW, for software: bit 8 records `.device` (Sv39 without Svpbmt
//             has no memory-type bits; the physical memory attributes decide),
//             bit 9 a borrowed frame
//   bits 53:10 PPN: the physical address >> 12

enum Sv39PageTable: PageTableFormat {
    static let pageShift = 12
    static let levels = 3
    static let indexBits = 9
    static let entryBytes = 8
    /// 44 PPN bits above the 12-bit page offset.
    static let physicalLimit: UInt64 = 1 << 56

    static let valid: UInt64 = 1 << 0
    static let read: UInt64 = 1 << 1
    static let write: UInt64 = 1 << 2
    static let execute: UInt64 = 1 << 3
    static let user: UInt64 = 1 << 4
    static let global: UInt64 = 1 << 5
    static let accessed: UInt64 = 1 << 6
    static let dirty: UInt64 = 1 << 7
    static let softwareDevice: UInt64 = 1 << 8
    static let softwareBorrowed: UInt64 = 1 << 9
    static let ppnShift: UInt64 = 10
    static let ppnMask: UInt64 = ((1 << 44) - 1) << 10

    /// satp's MODE field for Sv39 (bits 63:60 = 8).
    static let satpMode: UInt64 = 8 << 60

    static func encodeTable(_ table: Frame) -> UInt64 {
        ((table.start.raw >> 12) << ppnShift) & ppnMask | valid
    }

    static func encodePage(_ frame: Frame, _ a: PageAttributes) -> UInt64 {
        var e = ((frame.start.raw >> 12) << ppnShift) & ppnMask | valid | read | accessed
        if a.contains(.writable) { e |= write | dirty }
        if a.contains(.executable) { e |= execute }
        if a.contains(.user) { e |= user }
        if a.contains(.global) { e |= global }
        if a.contains(.device) { e |= softwareDevice }
        if a.contains(.borrowed) { e |= softwareBorrowed }
        return e
    }

    /// A megapage (level 1, 2 MiB) or gigapage (level 2, 1 GiB): a page entry at a higher level.
    static func encodeBlock(_ base: PhysicalAddress, _ a: PageAttributes, level: Int) -> UInt64? {
        level == 1 || level == 2 ? encodePage(Frame(base), a) : nil
    }

    static func decode(_ e: UInt64, level: Int) -> DecodedEntry {
        if e & valid == 0 { return .absent }
        let address = PhysicalAddress(((e & ppnMask) >> ppnShift) << 12)
        if e & (read | write | execute) == 0 {
            // A pointer; at the leaf level it is reserved (the walk faults).
            return level == 0 ? .absent : .table(Frame(address))
        }
        if e & (read | write) == write { return .absent }  // reserved encoding: faults
        if level == 0 { return .page(Frame(address), attributes(e)) }
        // A superpage (2 MiB at level 1, 1 GiB at level 2) whose PPN is not
        // aligned to its size is misaligned: the walk faults.
        let size = span(level: level - 1)
        if address.raw & (size - 1) != 0 { return .absent }
        return .block(address, attributes(e))
    }

    static func attributes(_ e: UInt64) -> PageAttributes {
        var a = PageAttributes(rawValue: 0)
        if e & write != 0 { a.insert(.writable) }
        if e & execute != 0 { a.insert(.executable) }
        if e & user != 0 { a.insert(.user) }
        if e & global != 0 { a.insert(.global) }
        if e & softwareDevice != 0 { a.insert(.device) }
        if e & softwareBorrowed != 0 { a.insert(.borrowed) }
        return a
    }
}
