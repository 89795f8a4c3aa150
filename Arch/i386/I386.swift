// The i386 backend: two-level paging (Intel SDM vol. 3, ch. 4.3), RAM
// identity-mapped below 3 GiB as the direct map, a 16550 console, and
// QEMU's isa-debug-exit device to leave with a status.

/// The backend the arch-independent kernel code (Kernel/) is built for.
typealias Platform = I386

struct I386: MMU, VirtualLayout, Machine {
    typealias Format = I386PageTable
    static let name: StaticString = "i386"
    /// The thread's window: 256 MiB at 0xD0000000.
    static let heapWindow = VirtualRange(start: VirtualAddress(0xD000_0000), end: VirtualAddress(0xE000_0000))
    /// User tasks: the 256 MiB between the direct map's limit and the heap window.
    static let userWindow = VirtualRange(start: VirtualAddress(0xC000_0000), end: VirtualAddress(0xD000_0000))
    static let elfMachine: UInt16 = 3
    /// EBP names the saved EBP, with the return address above it.
    static let frameRecordOffset = 0
    /// Kernel thread stacks, each above an unmapped guard page: 16 MiB at 0xE0000000.
    static let stackWindow = VirtualRange(start: VirtualAddress(0xE000_0000), end: VirtualAddress(0xE100_0000))
    /// RAM is identity-mapped up to here; the heap window lies above.
    static let directMapLimit: UInt64 = 0xC000_0000

    static let cr0Paging: UInt32 = 1 << 31
    static let cr0WriteProtect: UInt32 = 1 << 16
    /// isa-debug-exit at port 0xf4: QEMU exits with (value << 1) | 1.
    static let exitPort: UInt16 = 0xF4
    static let passValue: UInt8 = 0x10  // status 33
    static let failValue: UInt8 = 0x11  // status 35

    func pointer(to address: PhysicalAddress) -> UnsafeMutableRawPointer {
        guard let p = identityPointer(address) else {
            kernelPanic("i386: physical address outside the direct map")
        }
        return p
    }

    /// Load CR3; the first time, also turn paging on, with supervisor write protection.
    func activate(root: Frame) {
        writeCR3(UInt32(root.start.raw))
        Descriptors.setPageTableRoot(UInt32(root.start.raw))
        let cr0 = readCR0()
        if cr0 & I386.cr0Paging == 0 { writeCR0(cr0 | I386.cr0Paging | I386.cr0WriteProtect) }
    }

    func invalidate(_ page: Page) { invlpg(UInt32(page.start.raw)) }

    /// Nothing to do: the i386 walker reads the tables from memory as written, and
    /// an invalid entry is never cached (Intel SDM vol. 3, 4.10.2.3).
    func publishNewMappings() {}

    func putByte(_ byte: UInt8) { Serial16550.com1.put(byte) }

    func exit(passed: Bool) -> Never {
        outb(I386.exitPort, passed ? I386.passValue : I386.failValue)
        // No exit device: stop here rather than run on.
        haltForever()
    }
}
