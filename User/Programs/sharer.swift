// Shared memory end to end (the test system, every arch): two tasks share a
// region. `args` picks the role. The reader (1) maps it read-only first and
// waits; the writer (0) maps it writable, fills it, signals the reader and
// dies by a fault while it still maps the region. The reader then finds every
// word the writer left: a sharer that dies takes nothing from the other, and
// the region's frames go back only once both are gone (the kernel's
// "regions:" line, which the boot test reads: ci/task_checks.py, `sharers`).
// Slots: 0 the region (writer: read, write; reader: read), 1 the notification
// (writer: signal; reader: wait).

let region: UInt = 0, ready: UInt = 1
let words = 4096  // 16 KiB, the manifest's size

func pattern(_ i: Int) -> UInt32 { UInt32(truncatingIfNeeded: i) &* 2_654_435_761 }

func taskMain(_ role: UInt, _ unused: UInt) {
    if role == 0 { writer() } else { reader() }
}

func writer() {
    let (status, at) = Sys.map(region, writable: true)
    check(status, "map")
    let p = UnsafeMutablePointer<UInt32>(bitPattern: at)!
    for i in 0..<words { p[i] = pattern(i) }
    var l = Line("writer: "); l.number(UInt64(words)); l.add(" words written; signalling the reader, then dying by a fault")
    l.print()
    check(Sys.signal(ready), "signal")
    mmioWrite32(0x10, 1)  // no page there: killed by the fault, the region still mapped
    Sys.exit(1)
}

func reader() {
    let (status, at) = Sys.map(region, writable: false)
    check(status, "map")
    let info = Sys.regionInfo(region)
    check(info.0, "regionInfo")
    var l = Line("reader: mapped the region's "); l.number(UInt64(info.bytes)); l.add(" bytes, physically one run at ")
    l.hex(info.physical); l.print()
    let writable = Sys.map(region, writable: true).0
    check(Sys.wait(ready).0, "wait")
    let p = UnsafePointer<UInt32>(bitPattern: at)!
    var intact = 0
    for i in 0..<words where p[i] == pattern(i) { intact += 1 }
    var r = Line("reader: "); r.number(UInt64(intact)); r.add(" of "); r.number(UInt64(words))
    r.add(" words intact after the writer died; a writable map of a read-only capability -> "); r.signed(writable); r.print()
    let good =
        intact == words && info.bytes == UInt(words * 4) && info.physical % 4096 == 0 && info.physical != 0
        && writable == SyscallError.missingRight.rawValue
    Sys.exit(good ? 0 : 1)
}

func check(_ status: Int, _ what: StaticString) {
    if status == 0 { return }
    var l = Line("sharer: "); l.add(what); l.add(" failed: "); l.signed(status); l.print()
    Sys.exit(1)
}
