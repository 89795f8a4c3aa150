// The user runtime's view of the kernel: each system call as a Swift
// function over the one gate in Arch/<arch>/User/start.S, and console lines
// built on the stack and written with one call (so lines never mix).

@_extern(c, "user_syscall")
func rawSyscall(_ n: UInt, _ a1: UInt, _ a2: UInt, _ a3: UInt, _ a4: UInt, _ a5: UInt, _ out: UnsafeMutablePointer<UInt>)
@_extern(c, "user_load32") func load32(_ address: UInt) -> UInt32
// Device registers (User/Runtime/device.c): one access of the width, uncached.
@_extern(c, "user_mmio_read8") func mmioRead8(_ address: UInt) -> UInt8
@_extern(c, "user_mmio_read32") func mmioRead32(_ address: UInt) -> UInt32
@_extern(c, "user_mmio_write8") func mmioWrite8(_ address: UInt, _ value: UInt8)
@_extern(c, "user_mmio_write32") func mmioWrite32(_ address: UInt, _ value: UInt32)
/// The per-thread registers a task can set (i386: FS << 16 | GS; aarch64: TPIDR_EL0).
@_extern(c, "user_thread_registers") func threadRegisters() -> UInt
@_extern(c, "user_plant_thread_registers") func plantThreadRegisters(_ value: UInt)
/// `n` iterations of a two-instruction loop (the instruction-count calibration).
@_extern(c, "user_count_loop") func countLoop(_ n: UInt)
/// An instruction the kernel should stop in user mode (i386 sgdt under UMIP, aarch64 a CTR_EL0 read).
@_extern(c, "user_privileged_probe") func privilegedProbe() -> UInt
/// Where the kernel image lies on this arch (Arch/<arch>/User/start.S).
@_extern(c, "user_kernel_image") func kernelImageAddress() -> UInt

struct SyscallResult {
    var status: Int
    var r1: UInt, r2: UInt, r3: UInt, r4: UInt
    var ok: Bool { status == 0 }
}

func syscall(_ n: UInt, _ a1: UInt = 0, _ a2: UInt = 0, _ a3: UInt = 0, _ a4: UInt = 0, _ a5: UInt = 0) -> SyscallResult {
    var out: (UInt, UInt, UInt, UInt, UInt) = (0, 0, 0, 0, 0)
    withUnsafeMutablePointer(to: &out) { p in
        p.withMemoryRebound(to: UInt.self, capacity: 5) { rawSyscall(n, a1, a2, a3, a4, a5, $0) }
    }
    return SyscallResult(status: Int(bitPattern: out.0), r1: out.1, r2: out.2, r3: out.3, r4: out.4)
}

func syscall(_ s: Syscall, _ a1: UInt = 0, _ a2: UInt = 0, _ a3: UInt = 0, _ a4: UInt = 0, _ a5: UInt = 0) -> SyscallResult {
    syscall(s.rawValue, a1, a2, a3, a4, a5)
}

/// A message as a task sees it: two words and an optional small buffer.
struct Message {
    var badge: UInt = 0
    var word0: UInt = 0
    var word1: UInt = 0
    var length = 0
    /// A capability came with it (into the landing slot named).
    var capability = false
    /// No message: the receive ended on the task's bound notification, whose bits are in `badge`.
    var notified = false
}

/// Capability slots are named by number (UInt); `carry` passes the capability
/// in that slot along (it must be held with grant), `landing` names the empty
/// slot where a capability sent to this task may land. -1: none.
enum Sys {
    static func exit(_ status: Int) -> Never {
        _ = syscall(.exit, UInt(bitPattern: status))
        while true {}
    }
    static func yield() { _ = syscall(.yield) }

    static func info(_ length: Int, carry: Int = -1, landing: Int = -1) -> UInt {
        MessageInfo(length: length, carry: carry, landing: landing).word
    }

    static func send(_ slot: UInt, _ w0: UInt, _ w1: UInt, buffer: UnsafeRawPointer? = nil, length: Int = 0, carry: Int = -1) -> Int {
        syscall(.send, slot, w0, w1, UInt(bitPattern: buffer), info(length, carry: carry)).status
    }
    static func call(
        _ slot: UInt, _ w0: UInt, _ w1: UInt, buffer: UnsafeRawPointer? = nil, length: Int = 0,
        carry: Int = -1, landing: Int = -1
    ) -> (Int, Message) {
        let r = syscall(.call, slot, w0, w1, UInt(bitPattern: buffer), info(length, carry: carry, landing: landing))
        return (r.status, Message(badge: r.r1, word0: r.r2, word1: r.r3, length: 0, capability: r.r4 & MessageInfo.capabilityLanded != 0))
    }
    static func receive(_ slot: UInt, into buffer: UnsafeMutableRawPointer?, capacity: Int, landing: Int = -1) -> (Int, Message) {
        received(syscall(.receive, slot, UInt(bitPattern: buffer), info(capacity, landing: landing)))
    }
    /// A receive that fails with wouldBlock (-10) instead of waiting.
    static func tryReceive(_ slot: UInt, into buffer: UnsafeMutableRawPointer?, capacity: Int) -> (Int, Message) {
        received(syscall(.tryReceive, slot, UInt(bitPattern: buffer), info(capacity)))
    }
    static func reply(_ w0: UInt, _ w1: UInt, carry: Int = -1) -> Int {
        syscall(.reply, w0, w1, info(0, carry: carry)).status
    }
    static func replyWait(
        _ slot: UInt, _ w0: UInt, _ w1: UInt, into buffer: UnsafeMutableRawPointer?, capacity: Int,
        carry: Int = -1
    ) -> (Int, Message) {
        received(syscall(.replyWait, slot, w0, w1, UInt(bitPattern: buffer), info(capacity, carry: carry)))
    }
    private static func received(_ r: SyscallResult) -> (Int, Message) {
        (
            r.status,
            Message(
                badge: r.r1, word0: r.r2, word1: r.r3, length: Int(r.r4 & 0xFFFF),
                capability: r.r4 & MessageInfo.capabilityLanded != 0, notified: r.r4 & MessageInfo.notified != 0)
        )
    }
    /// Copy `from` into the empty slot `to` with `rights` (Rights bits) and `badge` (0: keep).
    static func derive(_ from: UInt, to: UInt, rights: Rights, badge: UInt = 0) -> Int {
        syscall(.derive, from, to, UInt(rights.rawValue), badge).status
    }
    static func delete(_ slot: UInt) -> Int { syscall(.delete, slot).status }

    // Notifications: a word of bits per object (docs/drivers.md).
    /// OR this capability's badge into the notification in `slot`.
    static func signal(_ slot: UInt) -> Int { syscall(.signal, slot).status }
    /// The bits set on the notification in `slot`, waiting until one is.
    static func wait(_ slot: UInt) -> (Int, bits: UInt) {
        let r = syscall(.waitSignal, slot)
        return (r.status, r.r1)
    }
    /// The bits set on the notification in `slot` (0: none), without waiting.
    static func poll(_ slot: UInt) -> (Int, bits: UInt) {
        let r = syscall(.poll, slot)
        return (r.status, r.r1)
    }
    /// Signal the notification in `slot` (held with signal) at the first timer tick
    /// at or after `deadline`, in clock() cycles; 0 cancels. One timer per task.
    static func setTimer(_ slot: UInt, deadline: UInt64) -> Int {
        syscall(.setTimer, slot, UInt(truncatingIfNeeded: deadline), UInt(truncatingIfNeeded: deadline >> 32)).status
    }
    /// Acknowledge the interrupt in `slot` (held with ack): its line, masked since it fired, is delivered again.
    static func ack(_ slot: UInt) -> Int { syscall(.ack, slot).status }
    /// Bind this task to the notification in `slot` (nil: unbind): its receives then also end on a signal.
    static func bind(_ slot: UInt?) -> Int { syscall(.bind, slot ?? UInt(bitPattern: -1)).status }
    // Regions: shared memory, device registers and ports (docs/drivers.md).
    /// Map the region in `slot` where the kernel chooses (writable needs write): (status, address).
    static func map(_ slot: UInt, writable: Bool) -> (Int, address: UInt) {
        let r = syscall(.map, slot, 0, writable ? 1 : 0)
        return (r.status, r.r1)
    }
    /// The region's physical address (its first port) and size.
    static func regionInfo(_ slot: UInt) -> (Int, physical: UInt64, bytes: UInt) {
        let r = syscall(.regionInfo, slot)
        return (r.status, UInt64(r.r1) | UInt64(r.r2) << 32, r.r3)
    }
    /// Read (write) `width` bytes at port `offset` of the port region in `slot`.
    static func portRead(_ slot: UInt, _ offset: UInt, width: UInt = 1) -> (Int, value: UInt) {
        let r = syscall(.portRead, slot, offset, width)
        return (r.status, r.r1)
    }
    static func portWrite(_ slot: UInt, _ offset: UInt, _ value: UInt, width: UInt = 1) -> Int {
        syscall(.portWrite, slot, offset, width, value).status
    }
    // The console's driver (docs/drivers.md).
    /// Become the console's driver: `device` holds the console UART's region, `notification` the signal capability.
    static func attachConsole(_ device: UInt, notification: UInt) -> Int { syscall(.attachConsole, device, notification).status }
    /// The next bytes of the kernel's log ring, at most `capacity`, once the
    /// last call's are written: (status, how many; 0: none waits).
    static func consoleRead(into buffer: UnsafeMutableRawPointer, capacity: Int) -> (Int, count: Int) {
        let r = syscall(.consoleRead, UInt(bitPattern: buffer), UInt(capacity))
        return (r.status, Int(r.r1))
    }
    /// The cycle counter and its frequency in kHz (0: unknown).
    static func clock() -> (cycles: UInt64, kHz: UInt) {
        let r = syscall(.clock)
        let high: UInt64 = MemoryLayout<UInt>.size == 4 ? UInt64(r.r2) << 32 : 0  // 32-bit: two words
        return (UInt64(r.r1) | high, r.r3)
    }
}

/// A console line assembled on the stack, written with one debugWrite.
struct Line {
    private var bytes = InlineArray<160, UInt8>(repeating: 0)
    private(set) var count = 0

    init(_ s: StaticString) { add(s) }

    @discardableResult
    mutating func add(_ s: StaticString) -> Line {
        let p = s.utf8Start
        for i in 0..<s.utf8CodeUnitCount { byte(p[i]) }
        return self
    }
    mutating func add(bytes p: UnsafeRawPointer, _ n: Int) {
        for i in 0..<n { byte(p.load(fromByteOffset: i, as: UInt8.self)) }
    }
    mutating func number(_ v: UInt64) {
        var digits = InlineArray<20, UInt8>(repeating: 0)
        var n = 0, x = v
        repeat { digits[n] = UInt8(truncatingIfNeeded: x % 10) + 48; x /= 10; n += 1 } while x != 0
        while n > 0 { n -= 1; byte(digits[n]) }
    }
    mutating func signed(_ v: Int) {
        if v < 0 { byte(45); number(UInt64(v.magnitude)) } else { number(UInt64(v)) }
    }
    mutating func hex(_ v: UInt64) {
        add("0x")
        for i in stride(from: 15, through: 0, by: -1) where i < 8 || v >> 32 != 0 {
            let nibble = UInt8(truncatingIfNeeded: v >> UInt64(i * 4)) & 15
            byte(nibble < 10 ? 48 + nibble : 87 + nibble)
        }
    }
    mutating func byte(_ b: UInt8) { if count < 160 { bytes[count] = b; count += 1 } }

    /// Write the line (with a newline) to the console.
    mutating func print() {
        byte(10)
        printOpen()
    }

    /// Write what the line holds without ending it: the task's next write goes on from there.
    mutating func printOpen() {
        _ = withUnsafePointer(to: &bytes) { syscall(.debugWrite, UInt(bitPattern: $0), UInt(count)) }
        count = 0
    }
}
