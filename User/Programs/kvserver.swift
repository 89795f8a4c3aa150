// A key-value server: a user task that serves every client on one endpoint
// (slot 0: receive, send and grant), with replyWait (answer one call, take
// the next) as its only system call in the loop. Its table is a Swift Array in
// the task's own heap. Each client is known by the badge of the capability it
// calls through (set by init from the manifest), never by what it says. A
// client that asks for a session gets a capability of its own: a copy of the
// endpoint with send and grant and a fresh badge, carried in the reply.

let endpoint: UInt = 0
/// Where the server makes a session capability before it carries it off.
let sessionSlot: UInt = 1

func taskMain(_ unused0: UInt, _ unused1: UInt) {
    var keys = [UInt](repeating: 0, count: 512)
    var values = [UInt](repeating: 0, count: 512)
    var used = [Bool](repeating: false, count: 512)
    var stored: UInt = 0, served: UInt = 0, sessions: UInt = 0
    var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    var line = Line("kv: serving on the endpoint in slot "); line.number(UInt64(endpoint)); line.print()
    var (status, m) = withUnsafeMutableBytes(of: &buffer) { Sys.receive(endpoint, into: $0.baseAddress, capacity: 64) }
    while true {
        var r0: UInt = 0, r1: UInt = 0
        var carry = -1
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
            case KV.session:
                sessions += 1
                let badge = KV.sessionBadges + sessions
                let made = Sys.derive(endpoint, to: sessionSlot, rights: [.send, .grant], badge: badge)
                var l = Line("kv: session for badge "); l.number(UInt64(m.badge)); l.add(": a capability with badge ")
                l.number(UInt64(badge)); l.add(" -> "); l.signed(made); l.print()
                if made == 0 { carry = Int(sessionSlot); r0 = badge }
            default:
                r0 = UInt.max
            }
        }
        if carry >= 0 {
            // The reply carries the session capability; the server keeps no copy.
            let sent = Sys.reply(r0, r1, carry: carry)
            let deleted = Sys.delete(UInt(carry))
            if sent != 0 || deleted != 0 {
                var l = Line("kv: the session reply -> "); l.signed(sent); l.add(", delete -> "); l.signed(deleted); l.print()
            }
            (status, m) = withUnsafeMutableBytes(of: &buffer) { Sys.receive(endpoint, into: $0.baseAddress, capacity: 64) }
        } else {
            (status, m) = withUnsafeMutableBytes(of: &buffer) { Sys.replyWait(endpoint, r0, r1, into: $0.baseAddress, capacity: 64) }
        }
    }
}
