// A driver's first steps (the test system, every arch): the console UART's
// registers through a device region, and on a 16550 its interrupt through an
// interrupt capability, all named in the manifest by `node=@stdout`. On
// aarch64 the PL011 is mapped and its PrimeCell id read; on riscv64 the
// 16550 is mapped, on i386 it is reached through its I/O ports (the port
// system calls). On a 16550 the task writes and reads back the scratch
// register, then enables the transmitter-empty interrupt: the kernel masks the
// line and signals the task's notification; the task quiets the UART and
// acknowledges. The boot test (ci/task_checks.py, `devprobe`) reads the lines.
// Slots: 0 the device (read, write), 1 the interrupt (ack), 2 the notification (wait).

let device: UInt = 0, interrupt: UInt = 1, events: UInt = 2

func taskMain(_ unused: UInt, _ unused2: UInt) {
    #if arch(arm64)
        let (status, at) = Sys.map(device, writable: true)
        check(status, "map")
        var id: UInt32 = 0
        for i in 0..<4 { id |= (mmioRead32(at + 0xFF0 + UInt(i) * 4) & 0xFF) << (8 * UInt32(i)) }
        var l = Line("devprobe: the console is a PrimeCell with id "); l.hex(UInt64(id)); l.print()
        Sys.exit(id == 0xB105_F00D ? 0 : 1)
    #elseif arch(i386)
        probe16550(read: { Sys.portRead(device, $0).value }, write: { check(Sys.portWrite(device, $0, $1), "portWrite") })
    #else
        let (status, at) = Sys.map(device, writable: true)
        check(status, "map")
        probe16550(read: { UInt(mmioRead8(at + $0)) }, write: { mmioWrite8(at + $0, UInt8($1)) })
    #endif
}

/// The 16550's scratch register (7), then one transmitter-empty interrupt (IER bit 1).
func probe16550(read: (UInt) -> UInt, write: (UInt, UInt) -> Void) {
    write(7, 0x5A)
    let scratch = read(7)
    write(1, 0x02)  // the transmitter is empty: the line asserts at once
    let (status, bits) = Sys.wait(events)
    check(status, "wait")
    write(1, 0)  // quiet again
    _ = read(2)  // reading the interrupt identification clears a transmitter-empty interrupt
    check(Sys.ack(interrupt), "ack")
    var l = Line("devprobe: scratch register read back "); l.hex(UInt64(scratch)); l.add("; the UART's interrupt signalled bits ")
    l.number(UInt64(bits)); l.add(", acknowledged"); l.print()
    Sys.exit(scratch == 0x5A && bits == 1 ? 0 : 1)
}

func check(_ status: Int, _ what: StaticString) {
    if status == 0 { return }
    var l = Line("devprobe: "); l.add(what); l.add(" failed: "); l.signed(status); l.print()
    Sys.exit(1)
}
