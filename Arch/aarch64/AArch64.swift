// The aarch64 backend for QEMU virt: VMSAv8-64 with a 4 KiB granule, RAM
// identity-mapped as the direct map, a PL011 console found in the device
// tree, and exit through semihosting (with a status) or PSCI SYSTEM_OFF.

/// The backend the arch-independent kernel code (Kernel/) is built for.
typealias Platform = AArch64

/// Machine facts learned at boot (zero-initialized globals: no lazy init).
var consoleBase: UInt = 0
var psciConduit: PSCIConduit? = nil
var exitThroughSemihosting = false

struct AArch64: MMU, VirtualLayout, Machine {
    typealias Format = AArch64PageTable
    static let name: StaticString = "aarch64"
    /// In the lower half: the Swift runtime treats pointers with bit 63 set as
    /// non-heap objects, so a heap up there would silently break retain/release.
    static let heapWindow = VirtualRange(start: VirtualAddress(0x10_0000_0000), end: VirtualAddress(0x10_1000_0000))
    /// User tasks: at 512 GiB, in the second level-0 entry (the kernel has the first).
    static let userWindow = VirtualRange(start: VirtualAddress(0x80_0000_0000), end: VirtualAddress(0x80_1000_0000))
    static let elfMachine: UInt16 = 183
    /// x29 names the frame record [x29, x30] (AAPCS64).
    static let frameRecordOffset = 0
    /// Kernel thread stacks, each above an unmapped guard page, just past the heap window.
    static let stackWindow = VirtualRange(start: VirtualAddress(0x10_1000_0000), end: VirtualAddress(0x10_1100_0000))
    /// RAM is identity-mapped below the heap window.
    static let directMapLimit: UInt64 = 0x10_0000_0000
    /// Only for reporting a device tree too damaged to name the UART: QEMU virt's PL011.
    static let fallbackConsole: UInt = 0x0900_0000

    static let psciSystemOff: UInt64 = 0x8400_0008
    static let semihostingExit: UInt64 = 0x18
    static let applicationExit: UInt64 = 0x20026
    static let passStatus: UInt64 = 33
    static let failStatus: UInt64 = 35

    func pointer(to address: PhysicalAddress) -> UnsafeMutableRawPointer {
        guard let p = identityPointer(address) else {
            kernelPanic("aarch64: physical address outside the direct map")
        }
        return p
    }

    func activate(root: Frame) { setRoot(root.start.raw) }

    func invalidate(_ page: Page) { invalidatePage(UInt64(page.start.raw)) }

    /// DSB ISHST then ISB: the walker sees the new entries before the pages are
    /// used. No TLBI: a TLB never holds a translation that faulted (Arm ARM D8.13).
    func publishNewMappings() { publishMappings() }

    func putByte(_ byte: UInt8) {
        PL011(base: consoleBase != 0 ? consoleBase : AArch64.fallbackConsole).put(byte)
    }

    /// Semihosting SYS_EXIT carries the status (when QEMU runs with -semihosting
    /// and the command line says exit=semihosting); else PSCI SYSTEM_OFF.
    func exit(passed: Bool) -> Never {
        if exitThroughSemihosting {
            exitThroughSemihosting = false  // if semihosting is off, the trap this raises ends in PSCI or a halt
            var block: (UInt64, UInt64) = (AArch64.applicationExit, passed ? AArch64.passStatus : AArch64.failStatus)
            _ = withUnsafePointer(to: &block) { semihosting(AArch64.semihostingExit, UnsafeRawPointer($0)) }
        }
        switch psciConduit {
        case .hvc: _ = psciHVC(AArch64.psciSystemOff, 0)
        case .smc: _ = psciSMC(AArch64.psciSystemOff, 0)
        case nil: kputs("exit: no PSCI conduit in the device tree; halting\n")
        }
        haltForever()
    }
}
