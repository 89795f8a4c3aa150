// A client of the key-value server (its endpoint in slot 0, send only, with
// the badge the manifest gives it): says hello, stores keys, reads them back
// and checks every value. Client 1 also asks for a session (a capability of
// its own, carried in the reply) and probes the system-call checks; client 2
// tries to pass its capability on without the grant right.

let server: UInt = 0
let session: UInt = 1

func taskMain(_ number: UInt, _ unused: UInt) {
    hello(server, "client-", number)
    let count: UInt = 20
    for i in 0..<count {
        let key = number * 1000 + i
        var value = UInt64(key &* key &+ 7)
        let (status, _) = withUnsafeBytes(of: &value) { Sys.call(server, KV.put, key, buffer: $0.baseAddress, length: 8) }
        if status != 0 { var l = Line("client: put failed with "); l.signed(status); l.print(); Sys.exit(1) }
    }
    var good: UInt = 0
    for i in 0..<count {
        let key = number * 1000 + i
        let (status, reply) = Sys.call(server, KV.get, key)
        if status == 0 && reply.word0 == 1 && reply.word1 == UInt(truncatingIfNeeded: UInt64(key &* key &+ 7)) { good += 1 }
    }
    var line = Line("client "); line.number(UInt64(number)); line.add(": ")
    line.number(UInt64(count)); line.add(" puts, "); line.number(UInt64(good)); line.add(" of ")
    line.number(UInt64(count)); line.add(" gets verified"); line.print()
    if number == 1 { askForSession(); probeChecks() }
    if number == 2 {
        // Slot 0 holds send only: passing it on needs grant, and nothing moves.
        report("pass the server's endpoint on without grant", Sys.call(server, KV.ping, 0, carry: Int(server)).0)
    }
    if good != count { Sys.exit(1) }
}

func hello(_ slot: UInt, _ text: StaticString, _ number: UInt) {
    var name: (UInt64, UInt64, UInt64) = (0, 0, 0)
    let length = withUnsafeMutableBytes(of: &name) { b -> Int in
        for i in 0..<text.utf8CodeUnitCount { b[i] = text.utf8Start[i] }
        b[text.utf8CodeUnitCount] = UInt8(48 + number % 10)
        return text.utf8CodeUnitCount + 1
    }
    _ = withUnsafeBytes(of: &name) { Sys.call(slot, KV.hello, 0, buffer: $0.baseAddress, length: length) }
}

/// A session: the server's reply carries a capability into slot 1, with a badge of its own.
private func askForSession() {
    let (status, reply) = Sys.call(server, KV.session, 0, landing: Int(session))
    var l = Line("client 1: asked for a session -> "); l.signed(status)
    l.add(reply.capability ? ", a capability landed, badge " : ", no capability, badge "); l.number(UInt64(reply.word0)); l.print()
    hello(session, "session-", 1)
    report("delete the session", Sys.delete(session))
    report("call on the deleted session", Sys.call(session, KV.ping, 0).0)
}

private func probeChecks() {
    report("bad syscall number", syscall(999).status)
    report("write from a kernel address", syscall(.debugWrite, 0x1000, 16).status)
    report("call on an empty slot", Sys.call(7, KV.ping, 0).0)
    report("call on slot 99", Sys.call(99, KV.ping, 0).0)
    report("receive on the server's endpoint", Sys.receive(server, into: nil, capacity: 0).0)
    var big = InlineArray<128, UInt8>(repeating: 65)
    report("a 128-byte message", withUnsafePointer(to: &big) { Sys.call(server, KV.ping, 0, buffer: UnsafeRawPointer($0), length: 128).0 })
    report("reply with no call", Sys.reply(1, 2))
    report("spawn without the control capability", syscall(.spawn, server, 0).status)
}

func report(_ what: StaticString, _ status: Int) {
    var l = Line("client: "); l.add(what); l.add(" -> "); l.signed(status); l.print()
}
