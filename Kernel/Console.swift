// Console output that never allocates: usable before the heap exists, inside
// the heap-growth path and in exception handlers. Every kernel byte goes
// through kputByte, which starts a new line first if a task left its own open
// (ConsoleLine.swift), to the screen: the backend's console (Platform.putByte)
// until a console driver task attaches, then the log ring (ConsoleLog.swift).

/// Who owns the console's current line (a global: fault reports write without the state).
var consoleLine = ConsoleLine()

/// One byte of the kernel's output. Kept out of line, like kputs: inlined
/// into each of the kernel's few hundred report sites, the line check cost
/// about 15 KiB of i386 .text.
@inline(never)
func kputByte(_ b: UInt8) {
    if consoleLine.take(for: ConsoleLine.kernel) { consoleOut(10) }
    consoleOut(b)
    consoleLine.wrote(b)
}

@inline(never)
func kputs(_ s: StaticString) {
    let p = s.utf8Start
    for i in 0..<s.utf8CodeUnitCount { kputByte(p[i]) }
}

func kputBytes(_ s: ByteString) {
    for i in 0..<s.count { kputByte(s[i]) }
}

/// `0x` and at least 8 hex digits (16 when the value needs them).
func kputHex(_ value: UInt64) {
    kputs("0x")
    let digits = value > 0xFFFF_FFFF ? 16 : 8
    for i in stride(from: digits - 1, through: 0, by: -1) {
        let nibble = UInt8(truncatingIfNeeded: value >> UInt64(i * 4)) & 15
        kputByte(nibble < 10 ? 48 + nibble : 87 + nibble)
    }
}

func kputDecimal(_ value: UInt64) {
    var digits = InlineArray<20, UInt8>(repeating: 0)
    var n = 0
    var v = value
    repeat { digits[n] = UInt8(truncatingIfNeeded: v % 10) + 48; v /= 10; n += 1 } while v != 0
    while n > 0 { n -= 1; kputByte(digits[n]) }
}

/// Bytes as whole MiB when they are, else as KiB (or bytes, when under 1 KiB).
/// A signed decimal (an error code: -2, not 18446744073709551614).
func kputSigned(_ value: Int64) {
    if value < 0 { kputByte(45) }
    kputDecimal(value.magnitude)
}

/// A size in the largest unit that states it exactly (ExactSize.swift).
func kputSize(_ bytes: UInt64) {
    let size = ExactSize.of(bytes)
    kputDecimal(size.value); kputs(" "); kputs(size.unit)
}

/// Stop this CPU for good (the backend's haltNow: interrupts off, wait forever).
func haltForever() -> Never {
    haltNow()
    while true {}
}

/// The end of a failed boot: the marker the boot tests look for, then the fail exit.
func kernelFail() -> Never {
    flushLogToDevice()  // the log ring's bytes first, then straight to the UART
    kputs("KERNEL FAIL arch="); kputs(Platform.name); kputs("\n")
    Platform().exit(passed: false)
}

@inline(never)  // its own frame, so that a panic's backtrace starts at kernelPanic
func kernelPanic(_ message: StaticString) -> Never {
    flushLogToDevice()
    kputs("\nPANIC: "); kputs(message); kputs("\n")
    printPanicBacktrace()
    kernelFail()
}

/// Print raw bytes (a task's or program's name).
func kputRaw(_ bytes: UnsafeRawBufferPointer) {
    for i in 0..<bytes.count { kputByte(bytes[i]) }
}
