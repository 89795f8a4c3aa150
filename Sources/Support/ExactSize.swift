// A byte count in the largest unit that states it exactly, for reports:
// 4,095 bytes are "4095 bytes", never "3 KiB"; 2 MiB is "2 MiB".

enum ExactSize {
    /// The value and its unit's name.
    static func of(_ bytes: UInt64) -> (value: UInt64, unit: StaticString) {
        if bytes != 0 && bytes % (1 << 20) == 0 { return (bytes >> 20, "MiB") }
        if bytes != 0 && bytes % 1024 == 0 { return (bytes >> 10, "KiB") }
        return (bytes, "bytes")
    }
}
