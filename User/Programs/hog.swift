// A task that takes all the memory it may: sbrk in 64 KiB steps until the
// kernel refuses, then exit. Its memory limit (set by whoever starts it) stops
// it, not the machine's RAM; and the frames come back when it dies, not later.

func taskMain(_ step: UInt, _ unused: UInt) {
    var total: UInt64 = 0
    while true {
        let r = syscall(.sbrk, step)
        if !r.ok {
            var line = Line("hog: sbrk refused after "); line.number(total >> 10); line.add(" KiB with ")
            line.signed(r.status); line.print()
            giveBack(total, step)
            return
        }
        // Touch every page, so the memory is really there.
        var page = r.r1
        while page < r.r1 + step { UnsafeMutablePointer<UInt8>(bitPattern: page)!.pointee = 1; page += 4096 }
        total += UInt64(step)
    }
}

/// sbrk with a negative size gives the top pages back: all of what was taken,
/// then one step again, which must succeed (the limit counts what is held now).
func giveBack(_ total: UInt64, _ step: UInt) {
    let back = syscall(.sbrk, 0 &- UInt(total))
    var line = Line("hog: sbrk(-"); line.number(total >> 10); line.add(" KiB) -> "); line.signed(back.status)
    let again = syscall(.sbrk, step)
    line.add(", then sbrk("); line.number(UInt64(step) >> 10); line.add(" KiB) -> "); line.signed(again.status)
    let below = syscall(.sbrk, 0 &- UInt(step) &- 4096)
    line.add(", below the heap's start -> "); line.signed(below.status); line.print()
}
