// The i386 two-level page-table format (Intel SDM vol. 3, 4.3): 32-bit
// entries, 1024 per table. Bit 0 present, 1 writable, 2 user, 7 page size
// (4 MiB page in a directory entry, with CR4.PSE), 8 global; bits 3 and 4 PWT
// and PCD (both set: uncached, for device registers); bit 9, left to
// software, marks a borrowed frame; bits 31:12 the frame.
// Pure: the host tests read tables with it exactly as the MMU would.

enum I386PageTable: PageTableFormat {
    static let pageShift = 12
    static let levels = 2
    static let indexBits = 10
    static let entryBytes = 4
    static let physicalLimit: UInt64 = 1 << 32

    static let present: UInt64 = 1 << 0
    static let writable: UInt64 = 1 << 1
    static let user: UInt64 = 1 << 2
    static let writeThrough: UInt64 = 1 << 3
    static let cacheDisable: UInt64 = 1 << 4
    static let largePage: UInt64 = 1 << 7
    static let global: UInt64 = 1 << 8
    static let softwareBorrowed: UInt64 = 1 << 9
    static let frameMask: UInt64 = 0xFFFF_F000

    static func encodeTable(_ table: Frame) -> UInt64 {
        // Directory entries stay permissive; the leaf entry decides access.
        (table.start.raw & frameMask) | present | writable | user
    }

    static func encodePage(_ frame: Frame, _ a: PageAttributes) -> UInt64 {
        var e = (frame.start.raw & frameMask) | present
        if a.contains(.writable) { e |= writable }
        if a.contains(.user) { e |= user }
        if a.contains(.global) { e |= global }
        if a.contains(.device) { e |= cacheDisable | writeThrough }  // UC with the power-on PAT
        if a.contains(.borrowed) { e |= softwareBorrowed }
        return e
    }

    /// None: a 4 MiB page needs CR4.PSE, which the kernel does not turn on (yet).
    static func encodeBlock(_ base: PhysicalAddress, _ a: PageAttributes, level: Int) -> UInt64? { nil }

    static func decode(_ e: UInt64, level: Int) -> DecodedEntry {
        if e & present == 0 { return .absent }
        var a = PageAttributes.executable  // i386 without PAE cannot forbid execution
        if e & writable != 0 { a.insert(.writable) }
        if e & user != 0 { a.insert(.user) }
        if e & global != 0 { a.insert(.global) }
        if e & cacheDisable != 0 { a.insert(.device) }
        if e & softwareBorrowed != 0 { a.insert(.borrowed) }
        if level == 1 {
            if e & largePage != 0 { return .block(PhysicalAddress(e & 0xFFC0_0000), a) }
            return .table(Frame(PhysicalAddress(e & frameMask)))
        }
        return .page(Frame(PhysicalAddress(e & frameMask)), a)
    }
}
