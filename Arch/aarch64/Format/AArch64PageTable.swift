// The VMSAv8-64 stage 1 format with a 4 KiB granule and 48-bit virtual
// addresses (Arm ARM D8.3): four levels of 512 64-bit entries. In this
// project's numbering level 0 is the leaf (the Arm ARM's level 3) and level 3
// the root (its level 0). Pure: the host tests read tables with it.
//   bits 1:0   0b11 table (levels 1-3) or page (level 0); 0b01 block (levels 1-2)
//   bits 4:2   AttrIndx into MAIR_EL1 (0: normal write-back, 1: device nGnRE)
//   bits 7:6   AP: bit 7 read-only, bit 6 EL0 access
//   bits 9:8   SH: 0b11 inner shareable
//   bit 10     AF, the access flag (must be set, or the first access faults)
//   bit 11     nG;  bit 53 PXN;  bit 54 UXN
//   bit 55     left to software: marks a borrowed frame
//   bits 47:12 output address

enum AArch64PageTable: PageTableFormat {
    static let pageShift = 12
    static let levels = 4
    static let indexBits = 9
    static let entryBytes = 8
    static let physicalLimit: UInt64 = 1 << 48

    static let valid: UInt64 = 1 << 0
    static let tableOrPage: UInt64 = 1 << 1
    static let attrDevice: UInt64 = 1 << 2  // AttrIndx = 1
    static let apEL0: UInt64 = 1 << 6
    static let apReadOnly: UInt64 = 1 << 7
    static let innerShareable: UInt64 = 3 << 8
    static let accessFlag: UInt64 = 1 << 10
    static let notGlobal: UInt64 = 1 << 11
    static let pxn: UInt64 = 1 << 53
    static let uxn: UInt64 = 1 << 54
    static let softwareBorrowed: UInt64 = 1 << 55
    static let addressMask: UInt64 = 0x0000_FFFF_FFFF_F000

    /// MAIR_EL1: attribute 0 normal memory, write-back read/write-allocate; 1 device nGnRE.
    static let mair: UInt64 = 0xFF | (0x04 << 8)

    static func encodeTable(_ table: Frame) -> UInt64 {
        (table.start.raw & addressMask) | tableOrPage | valid
    }

    static func encodePage(_ frame: Frame, _ a: PageAttributes) -> UInt64 {
        var e = (frame.start.raw & addressMask) | tableOrPage | valid | accessFlag
        e |= a.contains(.device) ? attrDevice : innerShareable
        if !a.contains(.writable) { e |= apReadOnly }
        if a.contains(.user) {
            e |= apEL0 | pxn  // the kernel never runs user code
            if !a.contains(.executable) { e |= uxn }
        } else {
            e |= uxn  // EL0 never runs kernel code
            if !a.contains(.executable) { e |= pxn }
        }
        if !a.contains(.global) { e |= notGlobal }
        if a.contains(.borrowed) { e |= softwareBorrowed }
        return e
    }

    /// A block (0b01) at level 1 (2 MiB) or 2 (1 GiB): a page's attributes without the table bit.
    static func encodeBlock(_ base: PhysicalAddress, _ a: PageAttributes, level: Int) -> UInt64? {
        level == 1 || level == 2 ? encodePage(Frame(base), a) & ~tableOrPage : nil
    }

    static func decode(_ e: UInt64, level: Int) -> DecodedEntry {
        if e & valid == 0 { return .absent }
        let address = PhysicalAddress(e & addressMask)
        if e & tableOrPage != 0 {
            return level == 0 ? .page(Frame(address), attributes(e)) : .table(Frame(address))
        }
        // 0b01: a block at the Arm ARM's levels 1 and 2 only; elsewhere reserved (faults).
        if level == 1 || level == 2 {
            let size = span(level: level - 1)
            return .block(PhysicalAddress(e & addressMask & ~(size - 1)), attributes(e))
        }
        return .absent
    }

    static func attributes(_ e: UInt64) -> PageAttributes {
        var a = PageAttributes(rawValue: 0)
        if e & apReadOnly == 0 { a.insert(.writable) }
        if e & apEL0 != 0 {
            a.insert(.user)
            if e & uxn == 0 { a.insert(.executable) }
        } else if e & pxn == 0 {
            a.insert(.executable)
        }
        if e & attrDevice != 0 { a.insert(.device) }
        if e & notGlobal == 0 { a.insert(.global) }
        if e & softwareBorrowed != 0 { a.insert(.borrowed) }
        return a
    }
}
