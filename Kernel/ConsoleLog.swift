// The console once its driver runs as a task. Until a task attaches as the
// console's driver (attachConsole), every byte goes to the UART through the
// backend: the early console. From then on the kernel's bytes and the tasks'
// tagged lines go to the log ring (Sources/Support/LogRing.swift), in the
// order written, and the driver takes them (consoleRead) and writes them to
// its UART. The kernel never waits on the driver: a task's line that finds no
// room waits in its write (FIFO), the kernel's own bytes use the reserve.
// Whenever the driver cannot do its work any more (it died, the kernel
// panics, the system ends), the screen goes back to the early console, and
// the ring's bytes are written out first: nothing is lost, the order holds.

struct ConsoleLog {
    var ring = LogRing()
    /// The attached driver's thread (-1: none: the early console), and the notification it is signalled on.
    var driver: ThreadID = -1
    var notification = -1
    var badge: UInt = 0
    /// Bytes arrived since the driver was last signalled.
    var unsignalled = false
    /// Tasks whose line waits for room, first come first served, and how many writes have waited.
    var writers = WaitQueue()
    var waits = 0
}

var consoleLog = ConsoleLog()

/// The log ring's size: 16 KiB, a few hundred lines.
let logRingPages = 4

/// One byte for the screen: into the ring while a driver has the console, else to the UART.
@inline(__always)
func consoleOut(_ b: UInt8) {
    if consoleLog.driver >= 0 {
        consoleLog.ring.appendKernel(b)
        consoleLog.unsignalled = true
    } else {
        Platform().putByte(b)
    }
}

/// `t` becomes the console's driver: it holds (with write) the device region
/// of the kernel's console UART in `region`, and is signalled through notification `n` with `badge`.
func attachConsole(_ k: inout KernelState, _ t: ThreadID, region r: Int, notification n: Int, badge: UInt) throws(SyscallError) {
    guard let region = k.tasks.ipc.core.regions.record(r), region.space != .memory else { throw .wrongType }
    guard consoleIsIn(&k, region) else { throw .badRequest }
    if consoleLog.driver >= 0 { throw .busy }
    if consoleLog.ring.capacity == 0 {
        guard let first = k.frames.allocateContiguous(logRingPages) else { throw .outOfMemory }
        let bytes = logRingPages * Int(Platform.Format.pageSize)
        consoleLog.ring = LogRing(
            storage: Platform().pointer(to: first.start).bindMemory(to: UInt8.self, capacity: bytes), capacity: bytes)
    }
    kputs("console: "); putName(&k, t); kputs(" drives the console from here; the kernel writes to its log ring\n")
    consoleLog.driver = t
    consoleLog.notification = n
    consoleLog.badge = badge
}

/// Whether `region` holds the console's registers: the UART the kernel
/// mapped for its early console, or on a port board the console's ports.
private func consoleIsIn(_ k: inout KernelState, _ region: RegionRecord) -> Bool {
    let console: UInt64
    if region.space == .ports {
        guard case .ports(let first, _) = try? Platform.deviceRange(path: ByteString(staticString: "@stdout"), index: 0) else {
            return false
        }
        console = first
    } else {
        guard k.devices.console >= 0 else { return false }
        console = k.devices[k.devices.console].start
    }
    return rangesMeet(console, 1, region.base, region.size)
}

/// The driver has written what its last call took, and takes up to
/// `capacity` more into `buffer`: how many (LogRing.lend: a driver that dies
/// mid-chunk loses nothing). Writers whose lines now fit go in and wake; a
/// count of lost kernel bytes is reported.
func consoleRead(_ k: inout KernelState, _ t: ThreadID, into buffer: UInt, capacity: Int) throws(SyscallError) -> Int {
    if t != consoleLog.driver { throw .badRequest }
    var chunk = InlineArray<256, UInt8>(repeating: 0)
    let n = withUnsafeMutablePointer(to: &chunk) { p in
        consoleLog.ring.lend(into: UnsafeMutableRawPointer(p).assumingMemoryBound(to: UInt8.self), max: min(capacity, 256))
    }
    let copied = withUnsafePointer(to: &chunk) { userMemory(&k, of: t).copyOut(UnsafeRawPointer($0), length: n, to: buffer) }
    if !copied { throw .badPointer }  // checked at decode: only a change since could do it
    let lost = consoleLog.ring.dropped
    if lost > 0 && consoleLog.ring.free > LogRing.kernelReserve / 2 {
        _ = consoleLog.ring.takeDropped()
        reportLost(lost)
    }
    admitWriters(&k)
    return n
}

/// A task's write of `length` bytes at `address`: written now (true), or `t`
/// waits for room behind the writers already waiting (false; it is blocked by
/// the caller). The driver's own lines never wait (nobody else would make
/// room): like the kernel's, they use the reserve.
func consoleWrite(_ k: inout KernelState, _ t: ThreadID, address: UInt, length: Int) -> Bool {
    if consoleLog.driver >= 0 && t != consoleLog.driver
        && (consoleLog.writers.count > 0 || !consoleLog.ring.fitsTask(taggedBytes(&k, t, address, length)))
    {
        k.records[t].consoleWrite = (address, length)
        consoleLog.writers.push(t)
        consoleLog.waits += 1
        return false
    }
    writeTagged(&k, t, address, length)
    return true
}

/// Signal the driver if bytes arrived since it was last signalled. True if it woke.
func signalConsoleDriver(_ k: inout KernelState) -> Bool {
    guard consoleLog.unsignalled, consoleLog.driver >= 0 else { return false }
    consoleLog.unsignalled = false
    if case .woke = deliverSignal(&k, consoleLog.notification, badge: consoleLog.badge) { return true }
    return false
}

/// The driver is gone (or the system ends): the screen goes back to the early
/// console, the ring's bytes first, then the waiting writers' lines.
func detachConsole(_ k: inout KernelState) {
    guard consoleLog.driver >= 0 else { return }
    flushLogToDevice()
    admitWriters(&k)
    let lost = consoleLog.ring.takeDropped()  // none there was room to report while the driver ran
    if lost > 0 { reportLost(lost) }
    kputs("console: the driver is gone; the kernel writes to the UART again ("); kputDecimal(UInt64(consoleLog.waits))
    kputs(" writes waited for room in the log ring; "); kputDecimal(consoleLog.ring.written); kputs(" bytes went through it)\n")
}

/// Hand the screen back without the state (a panic): the ring's bytes to the UART.
func flushLogToDevice() {
    guard consoleLog.driver >= 0 else { return }
    consoleLog.driver = -1
    consoleLog.ring.reclaimLent()  // what the driver took last may not have reached its UART
    var b: UInt8 = 0
    while consoleLog.ring.take(into: &b, max: 1) == 1 { Platform().putByte(b) }
}

/// The kernel's bytes that found the ring full, counted since the last report.
private func reportLost(_ bytes: UInt64) {
    kputs("console: "); kputDecimal(bytes); kputs(" bytes of the kernel's lines were lost: the log ring was full\n")
}

/// A dead thread no longer waits to write; a dead driver gives the screen back.
func consoleThreadGone(_ k: inout KernelState, _ t: ThreadID) {
    consoleLog.writers.remove(t)
    if t == consoleLog.driver { detachConsole(&k) }
}

/// Writers whose lines fit go in, in order, and wake with their write's result.
private func admitWriters(_ k: inout KernelState) {
    while let w = consoleLog.writers.front {
        let (address, length) = k.records[w].consoleWrite
        if consoleLog.driver >= 0 && !consoleLog.ring.fitsTask(taggedBytes(&k, w, address, length)) { return }
        _ = consoleLog.writers.pop()
        writeTagged(&k, w, address, length)
        setSyscallResult(k.records[w].context, 0, UInt(length))
        k.threads.scheduler.wake(w)
    }
}

/// `t`'s text, tagged with its name (TaskOutput.swift), on a line of its own
/// if another writer left one open (ConsoleLine.swift). Checked at decode.
private func writeTagged(_ k: inout KernelState, _ t: ThreadID, _ address: UInt, _ length: Int) {
    if consoleLine.take(for: t) { consoleOut(10) }
    var column = consoleLine.column(of: t)
    tagged(&k, t, address, length, column: &column) { consoleOut($0) }
    consoleLine.ended(column: column)
}

/// The bytes `writeTagged` would put on the screen now, counted without writing them.
private func taggedBytes(_ k: inout KernelState, _ t: ThreadID, _ address: UInt, _ length: Int) -> Int {
    let cut = consoleLine.open && consoleLine.writer != t
    var column = cut ? nil : consoleLine.column(of: t)
    var n = cut ? 1 : 0
    tagged(&k, t, address, length, column: &column) { _ in n += 1 }
    return n
}

private func tagged(_ k: inout KernelState, _ t: ThreadID, _ address: UInt, _ length: Int, column: inout Int?, _ emit: (UInt8) -> Void) {
    var text = InlineArray<256, UInt8>(repeating: 0)
    guard withUnsafeMutablePointer(to: &text, { userMemory(&k, of: t).copyIn(from: address, length: length, into: $0) }) else { return }
    withUnsafePointer(to: &text) {
        TaskOutput.write(UnsafeRawPointer($0), count: length, name: k.records.name(t), column: &column, emit: emit)
    }
}
