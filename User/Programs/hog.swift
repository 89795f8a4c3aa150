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
            return
        }
        // Touch every page, so the memory is really there.
        var page = r.r1
        while page < r.r1 + step { UnsafeMutablePointer<UInt8>(bitPattern: page)!.pointee = 1; page += 4096 }
        total += UInt64(step)
    }
}
