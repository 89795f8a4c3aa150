// What a backend learned while booting, handed to the arch-independent kernel.

struct BootInfo {
    /// Raw regions plus reservations (kernel image, boot structures); not yet normalized.
    var map = MemoryMap()
    /// The kernel command line (Multiboot cmdline or /chosen/bootargs).
    var commandLine = ByteString(base: nil, count: 0)
    /// Device registers the kernel must map (uncached) to keep its console.
    var devices = BootDevices()

    mutating func addDevice(start: UInt64, bytes: UInt64, console: Bool = false) {
        devices.add(start: start, bytes: bytes, console: console)
    }
}

/// The devices the kernel drives itself: at most four register ranges, one of
/// them perhaps the console's. Kept by the kernel after boot, so that no task
/// is given the others (its interrupt controller, its exit device).
struct BootDevices {
    private var ranges = InlineArray<4, MemoryRegion>(repeating: MemoryRegion(start: 0, end: 0, kind: .reserved))
    private(set) var count = 0
    /// Which range is the console's (-1: none): the one device of the
    /// kernel's it gives to a task (the console driver).
    private(set) var console = -1

    subscript(i: Int) -> MemoryRegion { ranges[i] }

    mutating func add(start: UInt64, bytes: UInt64, console isConsole: Bool) {
        guard count < 4 else { return }
        if isConsole { console = count }
        ranges[count] = MemoryRegion(start: start, end: start + bytes, kind: .reserved)
        count += 1
    }

    /// True if [base, base + bytes) meets a device the kernel keeps (any but the console).
    func meetsKernelDevice(_ base: UInt64, _ bytes: UInt64) -> Bool {
        for i in 0..<count where i != console {
            if rangesMeet(base, bytes, ranges[i].start, ranges[i].bytes) { return true }
        }
        return false
    }
}
