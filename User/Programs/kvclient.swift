// A client of the key-value server: says hello, stores keys, reads them back
// and checks every value. Client 1 also probes the system-call checks: a bad
// number, a pointer into the kernel, a bad endpoint, a buffer too long.

func taskMain(_ endpoint: UInt, _ number: UInt) {
    var name: (UInt64, UInt64) = (0, 0)
    let length = withUnsafeMutableBytes(of: &name) { b -> Int in
        let text: StaticString = "client-"
        for i in 0..<text.utf8CodeUnitCount { b[i] = text.utf8Start[i] }
        b[text.utf8CodeUnitCount] = UInt8(48 + number % 10)
        return text.utf8CodeUnitCount + 1
    }
    _ = withUnsafeBytes(of: &name) { Sys.call(endpoint, KV.hello, 0, buffer: $0.baseAddress, length: length) }
    let count: UInt = 20
    for i in 0..<count {
        let key = number * 1000 + i
        var value = UInt64(key &* key &+ 7)
        let (status, _) = withUnsafeBytes(of: &value) { Sys.call(endpoint, KV.put, key, buffer: $0.baseAddress, length: 8) }
        if status != 0 { var l = Line("client: put failed with "); l.signed(status); l.print(); Sys.exit(1) }
    }
    var good: UInt = 0
    for i in 0..<count {
        let key = number * 1000 + i
        let (status, reply) = Sys.call(endpoint, KV.get, key)
        if status == 0 && reply.word0 == 1 && reply.word1 == UInt(truncatingIfNeeded: UInt64(key &* key &+ 7)) { good += 1 }
    }
    var line = Line("client "); line.number(UInt64(number)); line.add(": ")
    line.number(UInt64(count)); line.add(" puts, "); line.number(UInt64(good)); line.add(" of ")
    line.number(UInt64(count)); line.add(" gets verified"); line.print()
    if number == 1 { probeChecks(endpoint) }
}

private func probeChecks(_ endpoint: UInt) {
    report("bad syscall number", syscall(999).status)
    report("write from a kernel address", syscall(.debugWrite, 0x1000, 16).status)
    report("call on endpoint 15 (none)", Sys.call(15, KV.ping, 0).0)
    var big = InlineArray<128, UInt8>(repeating: 65)
    report("a 128-byte message", withUnsafePointer(to: &big) { Sys.call(endpoint, KV.ping, 0, buffer: UnsafeRawPointer($0), length: 128).0 })
    report("reply with no call", syscall(.reply, 1, 2).status)
}

private func report(_ what: StaticString, _ status: Int) {
    var l = Line("client 1: "); l.add(what); l.add(" -> "); l.signed(status); l.print()
}
