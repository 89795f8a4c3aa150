// A key-value server: a user task that serves every client on one endpoint,
// with replyWait (answer one call, take the next) as its only system call in
// the loop. Its table is a Swift Array in the task's own heap.

func taskMain(_ endpoint: UInt, _ unused: UInt) {
    var keys = [UInt](repeating: 0, count: 512)
    var values = [UInt](repeating: 0, count: 512)
    var used = [Bool](repeating: false, count: 512)
    var stored: UInt = 0, served: UInt = 0
    var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    var line = Line("kv: serving on endpoint "); line.number(UInt64(endpoint)); line.print()
    var (status, m) = withUnsafeMutableBytes(of: &buffer) { Sys.receive(endpoint, into: $0.baseAddress, capacity: 64) }
    while true {
        var r0: UInt = 0, r1: UInt = 0
        if status != 0 {
            var l = Line("kv: receive failed with "); l.signed(status); l.print()
        } else {
            served += 1
            switch m.word0 {
            case KV.hello:
                if served == 1 {
                    // A receive while this call is owed its reply is refused, and changes nothing.
                    var scratch: UInt64 = 0
                    let (refused, _) = withUnsafeMutableBytes(of: &scratch) { Sys.receive(endpoint, into: $0.baseAddress, capacity: 8) }
                    var p = Line("kv: a second receive before replying -> "); p.signed(refused); p.print()
                    let (polled, _) = withUnsafeMutableBytes(of: &scratch) { Sys.tryReceive(endpoint, into: $0.baseAddress, capacity: 8) }
                    var q = Line("kv: a non-blocking receive before replying -> "); q.signed(polled); q.print()
                }
                var l = Line("kv: hello from ")
                withUnsafeBytes(of: &buffer) { l.add(bytes: $0.baseAddress!, min(m.length, 64)) }
                l.add(" (badge "); l.number(UInt64(m.badge)); l.add(")"); l.print()
            case KV.put:
                let value = UInt(truncatingIfNeeded: buffer.0)
                var i = Int(m.word1 % 512)
                while used[i] && keys[i] != m.word1 { i = (i + 1) % 512 }
                r0 = used[i] ? 1 : 0
                if !used[i] { stored += 1 }
                used[i] = true; keys[i] = m.word1; values[i] = value
                r1 = stored
            case KV.get:
                var i = Int(m.word1 % 512)
                while used[i] && keys[i] != m.word1 { i = (i + 1) % 512 }
                if used[i] { r0 = 1; r1 = values[i] }
            case KV.ping:
                r0 = m.word1 &+ 1
            case KV.stats:
                r0 = served; r1 = stored
            default:
                r0 = UInt.max
            }
        }
        (status, m) = withUnsafeMutableBytes(of: &buffer) { Sys.replyWait(endpoint, r0, r1, into: $0.baseAddress, capacity: 64) }
    }
}
