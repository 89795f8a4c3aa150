// What a backend learned while booting, handed to the arch-independent kernel.

struct BootInfo {
    /// Raw regions plus reservations (kernel image, boot structures); not yet normalized.
    var map = MemoryMap()
    /// The kernel command line (Multiboot cmdline or /chosen/bootargs).
    var commandLine = ByteString(base: nil, count: 0)
    /// Device registers the kernel must map (uncached) to keep its console.
    var devices = InlineArray<4, MemoryRegion>(repeating: MemoryRegion(start: 0, end: 0, kind: .reserved))
    var deviceCount = 0

    mutating func addDevice(start: UInt64, bytes: UInt64) {
        if deviceCount < 4 { devices[deviceCount] = MemoryRegion(start: start, end: start + bytes, kind: .reserved); deviceCount += 1 }
    }
}
