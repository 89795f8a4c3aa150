// The riscv64 backend for QEMU virt under OpenSBI: Sv39 with RAM identity-
// mapped as the direct map, a 16550 console found in the device tree, and
// exit through virt's test device (with a status) or SBI system reset.

/// The backend the arch-independent kernel code (Kernel/) is built for.
typealias Platform = RISCV64

/// Machine facts learned at boot (zero-initialized globals: no lazy init).
var consoleBase: UInt = 0
var consoleShift: UInt = 0
var testDeviceBase: UInt = 0

struct RISCV64: MMU, VirtualLayout, Machine {
    typealias Format = Sv39PageTable
    static let name: StaticString = "riscv64"
    /// Everything in the lower half of Sv39's 512 GiB (below 256 GiB): the
    /// Swift runtime treats pointers with bit 63 set as non-heap objects. Each
    /// window has its own 1 GiB root entry.
    static let heapWindow = VirtualRange(start: VirtualAddress(0x10_0000_0000), end: VirtualAddress(0x10_1000_0000))
    /// Kernel thread stacks, each above an unmapped guard page, just past the heap window.
    static let stackWindow = VirtualRange(start: VirtualAddress(0x10_1000_0000), end: VirtualAddress(0x10_1100_0000))
    /// User tasks: at 128 GiB, root entry 128.
    static let userWindow = VirtualRange(start: VirtualAddress(0x20_0000_0000), end: VirtualAddress(0x20_1000_0000))
    static let elfMachine: UInt16 = 243
    /// s0 names the top of the frame; the saved s0 and ra are the two words below it.
    static let frameRecordOffset = -16
    /// RAM is identity-mapped below the heap window.
    static let directMapLimit: UInt64 = 0x10_0000_0000
    /// Only for reporting a device tree too damaged to name the UART: QEMU virt's 16550.
    static let fallbackConsole: UInt = 0x1000_0000

    /// virt's test device: FAIL with a code ends QEMU with that status.
    static let testFinisherFail: UInt32 = 0x3333
    static let passStatus: UInt32 = 33
    static let failStatus: UInt32 = 35

    func pointer(to address: PhysicalAddress) -> UnsafeMutableRawPointer {
        guard let p = identityPointer(address) else {
            kernelPanic("riscv64: physical address outside the direct map")
        }
        return p
    }

    /// satp: Sv39, ASID 0, the root's page number.
    func activate(root: Frame) { setSATP(Sv39PageTable.satpMode | (root.start.raw >> 12)) }

    func invalidate(_ page: Page) { invalidatePage(UInt64(page.start.raw)) }

    /// SFENCE.VMA: a hart may cache invalid entries, so new ones need a fence (cpu.S).
    func publishNewMappings() { publishMappings() }

    func putByte(_ byte: UInt8) {
        UART16550(base: consoleBase != 0 ? consoleBase : RISCV64.fallbackConsole, shift: consoleShift).put(byte)
    }

    /// The test device carries the status; without one, SBI system reset
    /// (which ends QEMU with status 0 whatever the reason).
    func exit(passed: Bool) -> Never {
        if testDeviceBase != 0 {
            mmioWrite32(testDeviceBase, RISCV64.testFinisherFail | (passed ? RISCV64.passStatus : RISCV64.failStatus) << 16)
        }
        let r = SBI.call(SBI.systemReset, SBI.reset, SBI.shutdown, passed ? SBI.noReason : SBI.systemFailure)
        kputs("exit: no test device, and SBI system reset failed (error "); kputSigned(r.error)
        if let name = SBIError.name(r.error) { kputs(", "); kputs(name) }
        kputs("); halting\n")
        haltForever()
    }
}
