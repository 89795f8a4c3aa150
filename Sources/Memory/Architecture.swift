// The seam between the generic memory code and a CPU. Hardware facts are the
// format's static constants; the privileged primitives are few. A backend
// (Arch/<arch>) conforms to MMU, VirtualLayout and Machine (and ThreadCPU's
// protocols, Sources/Sched); the host tests conform with an emulated MMU.

/// What a mapping allows. Each format turns these into its own entry bits.
struct PageAttributes: OptionSet, Equatable {
    let rawValue: UInt8
    static let writable = PageAttributes(rawValue: 1 << 0)
    static let user = PageAttributes(rawValue: 1 << 1)
    static let executable = PageAttributes(rawValue: 1 << 2)
    static let device = PageAttributes(rawValue: 1 << 3)
    static let global = PageAttributes(rawValue: 1 << 4)
    /// The frame is not the address space's own: a device's registers or a
    /// shared region's page, which an object owns. Teardown unmaps it and never
    /// frees it. Each format keeps it in a bit its MMU leaves to software.
    static let borrowed = PageAttributes(rawValue: 1 << 5)
    static let kernelData = PageAttributes(rawValue: writable.rawValue | global.rawValue)
}

/// One page-table entry as the MMU would read it.
enum DecodedEntry: Equatable {
    case absent
    case table(Frame)
    case page(Frame, PageAttributes)
    /// A large leaf above the last level (i386 PSE page, aarch64 block).
    case block(PhysicalAddress, PageAttributes)
}

/// Static facts of a page-table format. Pure: compiled into host tests too.
/// Levels count from 0 (the leaf tables) up to `levels - 1` (the root).
protocol PageTableFormat {
    static var pageShift: Int { get }
    static var levels: Int { get }
    /// Virtual-address bits that index one table.
    static var indexBits: Int { get }
    /// Bytes per entry (4 on i386, 8 on aarch64).
    static var entryBytes: Int { get }
    /// Highest physical address + 1 that an entry can name.
    static var physicalLimit: UInt64 { get }
    static func encodeTable(_ table: Frame) -> UInt64
    static func encodePage(_ frame: Frame, _ attributes: PageAttributes) -> UInt64
    /// A large leaf at `level` (1 up to the root) mapping `F.entrySpan(level:)`
    /// bytes from `base` (aligned to that span), or nil where the format has
    /// no leaf at that level, or the kernel does not use it.
    static func encodeBlock(_ base: PhysicalAddress, _ attributes: PageAttributes, level: Int) -> UInt64?
    static func decode(_ entry: UInt64, level: Int) -> DecodedEntry
}

extension PageTableFormat {
    static var pageSize: UInt64 { 1 << UInt64(pageShift) }
    static var entriesPerTable: Int { 1 << indexBits }
    /// Bytes of virtual space one table at `level` covers.
    static func span(level: Int) -> UInt64 { pageSize << UInt64(indexBits * (level + 1)) }
    /// Bytes one entry at `level` maps: a page at level 0, a block above.
    static func entrySpan(level: Int) -> UInt64 { pageSize << UInt64(indexBits * level) }
    static func index(of va: VirtualAddress, level: Int) -> Int {
        Int((UInt64(va.raw) >> UInt64(pageShift + indexBits * level)) & UInt64(entriesPerTable - 1))
    }
}

/// The MMU's side of a backend: its table format plus the privileged
/// primitives the generic mapper needs. Nothing else: the console, the exit and
/// threads are other protocols, so the host's emulated MMU implements only this.
protocol MMU {
    associatedtype Format: PageTableFormat
    /// The direct map: a pointer through which physical memory can be read and written.
    func pointer(to address: PhysicalAddress) -> UnsafeMutableRawPointer
    /// Make `root` the active top-level table.
    func activate(root: Frame)
    /// Drop any cached translation for `page`.
    func invalidate(_ page: Page)
    /// Entries were just written from invalid to valid: make the writes visible
    /// to the table walker before the pages are used. Once per run of pages,
    /// never per page: a barrier where no TLB holds an invalid entry, a fence
    /// where one may.
    func publishNewMappings()
}

/// Where the kernel puts things in the virtual address space.
protocol VirtualLayout {
    /// The default virtual window the kernel heap grows in.
    static var heapWindow: VirtualRange { get }
    /// The virtual window user tasks live in; no kernel mapping may lie in it.
    static var userWindow: VirtualRange { get }
    /// The virtual window kernel thread stacks (and their guard pages) live in.
    static var stackWindow: VirtualRange { get }
    /// Physical memory at or above this is not reachable through the direct map.
    static var directMapLimit: UInt64 { get }
}

/// What the generic memory code (Sources/) is written against: an MMU and a layout.
typealias Architecture = MMU & VirtualLayout

/// The machine around the CPU, as the kernel (Kernel/) needs it: its name, the
/// ELF machine its programs are built for, a console, and a way out.
protocol Machine {
    static var name: StaticString { get }
    /// The ELF e_machine of this CPU's executables (3 = EM_386, 183 = EM_AARCH64).
    static var elfMachine: UInt16 { get }
    func putByte(_ byte: UInt8)
    /// Bytes from a frame pointer to its frame record [caller's frame pointer,
    /// return address], for backtraces (FrameWalker): 0 where the frame pointer
    /// names the record, negative where the record sits below it.
    static var frameRecordOffset: Int { get }
    /// Leave the machine with a pass or fail status.
    func exit(passed: Bool) -> Never
}

/// A page-aligned virtual range [start, end).
struct VirtualRange: Equatable {
    let start: VirtualAddress
    let end: VirtualAddress
    var bytes: UInt { end.raw - start.raw }
}

extension MMU where Self: VirtualLayout {
    /// The pointer for `address` when the direct map is the identity below
    /// `directMapLimit` (every backend); nil outside it, and for address 0.
    func identityPointer(_ address: PhysicalAddress) -> UnsafeMutableRawPointer? {
        guard address.raw != 0, address.raw < Self.directMapLimit else { return nil }
        return UnsafeMutableRawPointer(bitPattern: UInt(address.raw))
    }
}
