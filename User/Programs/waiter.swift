// The bench system's waiter (User/bench.manifest): above pingpong, it waits on
// the notification in slot 0 for ever, so that each of pingpong's signals wakes
// it, it runs at once and waits again. Init stops it when the system is done.

func taskMain(_ unused: UInt, _ unused2: UInt) {
    while true {
        let (status, _) = Sys.wait(0)
        if status != 0 { var l = Line("waiter: wait failed: "); l.signed(status); l.print(); Sys.exit(1) }
    }
}
