// Console output that never allocates: usable before the heap exists, inside
// the heap-growth path and in exception handlers. Bytes go to the backend's
// console (Platform.putByte).

func kputs(_ s: StaticString) {
    let p = s.utf8Start
    for i in 0..<s.utf8CodeUnitCount { Platform().putByte(p[i]) }
}

func kputBytes(_ s: ByteString) {
    for i in 0..<s.count { Platform().putByte(s[i]) }
}

/// `0x` and at least 8 hex digits (16 when the value needs them).
func kputHex(_ value: UInt64) {
    kputs("0x")
    let digits = value > 0xFFFF_FFFF ? 16 : 8
    for i in stride(from: digits - 1, through: 0, by: -1) {
        let nibble = UInt8(truncatingIfNeeded: value >> UInt64(i * 4)) & 15
        Platform().putByte(nibble < 10 ? 48 + nibble : 87 + nibble)
    }
}

func kputDecimal(_ value: UInt64) {
    var digits = InlineArray<20, UInt8>(repeating: 0)
    var n = 0
    var v = value
    repeat { digits[n] = UInt8(truncatingIfNeeded: v % 10) + 48; v /= 10; n += 1 } while v != 0
    while n > 0 { n -= 1; Platform().putByte(digits[n]) }
}

/// Bytes as whole MiB when they are, else as KiB (or bytes, when under 1 KiB).
func kputSize(_ bytes: UInt64) {
    if bytes < 1024 { kputDecimal(bytes); kputs(" bytes") }
    else if bytes % (1 << 20) == 0 { kputDecimal(bytes >> 20); kputs(" MiB") }
    else { kputDecimal(bytes >> 10); kputs(" KiB") }
}

/// Stop this CPU for good (the backend's haltNow: interrupts off, wait forever).
func haltForever() -> Never {
    haltNow()
    while true {}
}

/// The end of a failed boot: the marker the boot tests look for, then the fail exit.
func kernelFail() -> Never {
    kputs("KERNEL FAIL arch="); kputs(Platform.name); kputs("\n")
    Platform().exit(passed: false)
}

func kernelPanic(_ message: StaticString) -> Never {
    kputs("\nPANIC: "); kputs(message); kputs("\n")
    printPanicBacktrace()
    kernelFail()
}

/// Print raw bytes (a task's or program's name).
func kputRaw(_ bytes: UnsafeRawBufferPointer) {
    for i in 0..<bytes.count { Platform().putByte(bytes[i]) }
}
