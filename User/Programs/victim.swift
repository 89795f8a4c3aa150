// A server that dies while it owes a reply (test system): it receives one call
// on its endpoint (slot 0) and then reads address 0, which kills it. Its
// caller must wake with an error, not hang (see orphan.swift).

func taskMain(_ unused0: UInt, _ unused1: UInt) {
    let (status, m) = Sys.receive(0, into: nil, capacity: 0)
    var l = Line("victim: received a call ("); l.signed(status); l.add(", word "); l.number(UInt64(m.word0)); l.add("); now faulting")
    l.print()
    _ = load32(0)
}
