// The console driver: the serial console as a task (docs/drivers.md has the
// walk-through). It attaches as the console's driver, after which the kernel's
// lines and every task's tagged lines reach it through the kernel's log ring,
// and it writes them to the UART without busy-waiting: while the UART has room
// it writes, and when it has none it enables the transmit interrupt and waits.
// Received bytes come in through the receive interrupt and go, as they are,
// to the reader's input ring (User/Runtime/ByteRing.swift, in a shared
// region): the shell edits and echoes its line itself. When the ring is full
// the driver stops taking bytes (the UART holds them, and QEMU holds back
// the rest) until the reader says it took some: nothing typed is lost.
// One event loop on one notification: bit 1 the UART's interrupt, bit 2 the
// kernel's "the log ring has bytes", bit 8 the reader's "I took input". The
// UART is the PL011 on aarch64 and a 16550 elsewhere (memory-mapped on
// riscv64, I/O ports on i386).
// `args` = (bytes per timer tick, 0): a pace, as a slow line would set it
// (0: as fast as the UART takes them). QEMU's UARTs take every byte at once,
// so the test system paces its console to fill the log ring under a flood.
// Slots: 0 the UART's device region (read, write), 1 its interrupt (ack),
// 2 the notification (wait), 3 the same notification (signal, badge 2) for
// the kernel, with a pace 4 (signal, badge 4) for its timer, and with a
// reader 5 the input ring's region (read, write) and 6 the reader's
// notification (signal). Without a reader, typed bytes are counted and dropped.

let device: UInt = 0, interrupt: UInt = 1, events: UInt = 2, logSignal: UInt = 3, timerSignal: UInt = 4
let inputRegion: UInt = 5, readerSignal: UInt = 6
let uartBit: UInt = 1, logBit: UInt = 2, timerBit: UInt = 4, roomBit: UInt = 8

func taskMain(_ pace: UInt, _ unused: UInt) {
    var uart = UART()
    check(Sys.attachConsole(device, notification: logSignal), "attachConsole")
    uart.start()
    let (mapped, at) = Sys.map(inputRegion, writable: true)
    let input: ByteRing? = mapped == 0 ? ByteRing(base: at) : nil
    // The transmit interrupt once, with the transmitter empty: it must arrive at once, through the kernel.
    var bits = logBit  // whatever the kernel wrote since the attach is in the ring already
    uart.transmitInterrupt(true)
    while bits & uartBit == 0 {
        let (status, next) = Sys.wait(events)
        check(status, "wait")
        bits |= next
    }
    uart.transmitInterrupt(false)
    var ready = Line("console: the UART's interrupt arrived; the console is interrupt driven from here")
    ready.print()
    var out = InlineArray<256, UInt8>(repeating: 0)
    var count = 0, sent = 0
    var waitingForRoom = false
    // A deadline a little ahead: the timer fires at the first tick after it.
    let kHz = UInt64(Sys.clock().kHz), soon = kHz > 0 ? kHz * 2 : 1_000_000
    var budget = pace, paused = false
    while true {
        if bits & timerBit != 0 {
            paused = false
            budget = pace
        }
        if bits & (uartBit | roomBit) != 0 {
            // Typed bytes into the reader's ring while it has room; with none, leave them in the UART.
            var arrived = false, full = false
            while uart.hasInput() {
                guard let ring = input else { _ = uart.receive(); dropped &+= 1; continue }
                if ring.room == 0 {
                    // Say so first, then look again: a reader that took bytes before it could see
                    // the flag left room, and one that takes them after sees it and signals.
                    ring.stalled = true
                    if ring.room == 0 { full = true; break }
                    ring.stalled = false
                }
                _ = ring.append(uart.receive())
                arrived = true
            }
            if !full { input?.stalled = false }
            uart.receiveInterrupt(!full)
            if arrived { check(Sys.signal(readerSignal), "signal the reader") }
        }
        if bits & uartBit != 0 {
            uart.clearInterrupt()
            check(Sys.ack(interrupt), "ack")
        }
        // Write what the ring holds while the UART has room; with none, wait for its interrupt.
        // With a pace, a chunk never runs past the budget, so a pause comes between chunks.
        while !paused {
            if sent == count {
                let room = pace == 0 ? 256 : Int(min(budget, 256))
                if room == 0 { break }
                let (status, n) = withUnsafeMutableBytes(of: &out) { Sys.consoleRead(into: $0.baseAddress!, capacity: room) }
                check(status, "consoleRead")
                count = n
                sent = 0
                if count == 0 { break }
            }
            while sent < count, uart.canSend() {
                uart.send(out[sent])
                sent += 1
                budget &-= 1
            }
            if sent < count { break }
        }
        if pace != 0 && budget == 0 && !paused {
            // The pace is spent. Say the chunk is written (a read of nothing): stopped while it
            // waits, the driver leaves no byte the kernel would write a second time. The timer
            // wakes the loop (bit 4) at the next tick, with a fresh budget.
            _ = withUnsafeMutableBytes(of: &out) { Sys.consoleRead(into: $0.baseAddress!, capacity: 0) }
            check(Sys.setTimer(timerSignal, deadline: Sys.clock().cycles + soon), "setTimer")
            paused = true
        }
        let full = sent < count && uart.canSend() == false
        if full != waitingForRoom {
            uart.transmitInterrupt(full)
            waitingForRoom = full
        }
        let (status, next) = Sys.wait(events)
        check(status, "wait")
        bits = next
    }
}

#if arch(arm64)
    /// The PL011 (Arm PrimeCell UART, TRM DDI 0183), mapped.
    struct UART {
        var base: UInt = 0
        static let data: UInt = 0x00, flags: UInt = 0x18, interruptMask: UInt = 0x38, interruptClear: UInt = 0x44
        static let transmitFull: UInt32 = 1 << 5, receiveEmpty: UInt32 = 1 << 4
        static let receiveInterrupts: UInt32 = 1 << 4 | 1 << 6, transmitInterrupt: UInt32 = 1 << 5
        var mask: UInt32 = 0
        var pendingCR = false

        mutating func start() {
            let (status, at) = Sys.map(device, writable: true)
            check(status, "map")
            base = at
            mask = UART.receiveInterrupts
            mmioWrite32(base + UART.interruptMask, mask)
        }
        func canSend() -> Bool { mmioRead32(base + UART.flags) & UART.transmitFull == 0 }
        mutating func send(_ b: UInt8) { sendRaw(b) }
        func sendRaw(_ b: UInt8) {
            if b == 10 { mmioWrite32(base + UART.data, 13) }  // a terminal's newline
            mmioWrite32(base + UART.data, UInt32(b))
        }
        mutating func transmitInterrupt(_ on: Bool) {
            mask = on ? mask | UART.transmitInterrupt : mask & ~UART.transmitInterrupt
            mmioWrite32(base + UART.interruptMask, mask)
        }
        mutating func receiveInterrupt(_ on: Bool) {
            mask = on ? mask | UART.receiveInterrupts : mask & ~UART.receiveInterrupts
            mmioWrite32(base + UART.interruptMask, mask)
        }
        func hasInput() -> Bool { mmioRead32(base + UART.flags) & UART.receiveEmpty == 0 }
        func receive() -> UInt8 { UInt8(truncatingIfNeeded: mmioRead32(base + UART.data)) }
        func clearInterrupt() {
            // Every cause but receive and receive-timeout: those clear as the FIFO is read. Cleared
            // here, a byte that came after the loop drained the FIFO would sit there with no interrupt
            // to say so (the level rises only as the FIFO goes from empty to one byte).
            mmioWrite32(base + UART.interruptClear, 0x7FF & ~UART.receiveInterrupts)
        }
    }
#else
    /// A 16550: its registers memory-mapped (riscv64, one byte apart) or its I/O ports (i386).
    struct UART {
        var base: UInt = 0
        static let data: UInt = 0, interruptEnable: UInt = 1, interruptId: UInt = 2, modemControl: UInt = 4, lineStatus: UInt = 5
        static let dataReady: UInt = 1 << 0, transmitEmpty: UInt = 1 << 5
        static let receiveInterrupt: UInt = 1 << 0, transmitInterrupt: UInt = 1 << 1
        var enabled: UInt = 0

        func read(_ r: UInt) -> UInt {
            #if arch(i386)
                Sys.portRead(device, r).value
            #else
                UInt(mmioRead8(base + r))
            #endif
        }
        func write(_ r: UInt, _ v: UInt) {
            #if arch(i386)
                _ = Sys.portWrite(device, r, v)
            #else
                mmioWrite8(base + r, UInt8(truncatingIfNeeded: v))
            #endif
        }

        mutating func start() {
            #if !arch(i386)
                let (status, at) = Sys.map(device, writable: true)
                check(status, "map")
                base = at
            #endif
            write(UART.modemControl, read(UART.modemControl) | 0x08)  // OUT2: a PC's UART drives its IRQ line only with it
            enabled = UART.receiveInterrupt
            write(UART.interruptEnable, enabled)
        }
        func canSend() -> Bool { read(UART.lineStatus) & UART.transmitEmpty != 0 }
        mutating func send(_ b: UInt8) {
            if b == 10 { write(UART.data, 13); while !canSend() {} }  // a terminal's newline; the FIFO drains it at once
            write(UART.data, UInt(b))
        }
        mutating func transmitInterrupt(_ on: Bool) {
            enabled = on ? enabled | UART.transmitInterrupt : enabled & ~UART.transmitInterrupt
            write(UART.interruptEnable, enabled)
        }
        mutating func receiveInterrupt(_ on: Bool) {
            let next = on ? enabled | UART.receiveInterrupt : enabled & ~UART.receiveInterrupt
            if next != enabled { enabled = next; write(UART.interruptEnable, enabled) }
        }
        func hasInput() -> Bool { read(UART.lineStatus) & UART.dataReady != 0 }
        func receive() -> UInt8 { UInt8(truncatingIfNeeded: read(UART.data)) }
        func clearInterrupt() { _ = read(UART.interruptId) }  // clears a transmitter-empty cause
    }
#endif

/// Typed bytes with no reader to take them.
var dropped = 0

func check(_ status: Int, _ what: StaticString) {
    if status == 0 { return }
    var l = Line("console: "); l.add(what); l.add(" failed: "); l.signed(status); l.print()
    Sys.exit(1)
}
