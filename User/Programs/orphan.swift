// The client of a server that dies (test system; see victim.swift). Its call
// must come back with partnerDied (-7) when the server dies owing the reply,
// and a call after that with endpointClosed (-17): the server held the
// endpoint's only receive capability. Exits 0 only if both are right.

func taskMain(_ unused0: UInt, _ unused1: UInt) {
    let first = Sys.call(0, 42, 0).0
    let second = Sys.call(0, 43, 0).0
    var l = Line("orphan: call while the server dies -> "); l.signed(first); l.add(", call after -> "); l.signed(second); l.print()
    Sys.exit(first == -7 && second == -17 ? 0 : 1)
}
