// A task that wants the key-value server's traffic. Its manifest entry gives
// it send on the server's endpoint (slot 0, badge 66) and nothing else. It
// tries to receive the clients' calls, to give itself receive, to take
// another client's badge, and to find an endpoint in any other slot. Every
// attempt must be refused; it reports each one and exits, leaving its last
// line open: the kernel's next line must still start a line of its own.

func taskMain(_ unused0: UInt, _ unused1: UInt) {
    var scratch: UInt64 = 0
    report(
        "receive on the server's endpoint", withUnsafeMutableBytes(of: &scratch) { Sys.tryReceive(0, into: $0.baseAddress, capacity: 8).0 })
    report("derive receive from send", Sys.derive(0, to: 1, rights: [.send, .receive]))
    report("derive with client 1's badge", Sys.derive(0, to: 1, rights: .send, badge: 1))
    var empty = 0
    for slot in 1..<16
    where withUnsafeMutableBytes(of: &scratch, { Sys.tryReceive(UInt(slot), into: $0.baseAddress, capacity: 8).0 }) == -12 {
        empty += 1
    }
    var l = Line("spy: "); l.number(UInt64(empty)); l.add(" of 15 other slots are empty"); l.print()
    var open = Line("spy: this line is left open, and the kernel's next line starts below it"); open.printOpen()
}

func report(_ what: StaticString, _ status: Int) {
    var l = Line("spy: "); l.add(what); l.add(" -> "); l.signed(status); l.print()
}
