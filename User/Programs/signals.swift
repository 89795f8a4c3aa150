// Notifications end to end (the test system, every arch): an event loop bound
// to a notification serves messages and signals in one receive loop, as a
// driver does. `args` picks the role: 0 the event loop (priority 2), 1 the
// source (priority 3, so it runs to its call before the loop runs), which
// signals through two capabilities, as two event sources would.
// Slots: 0 the notification (the loop: wait; the source: signal, badge 1),
// 1 the endpoint (the loop: receive; the source: call, badge 1), 2 the
// source's second signal capability (badge 2), and for the loop its own
// signal capability (badge 4), for its timer. The boot test
// (ci/task_checks.py, `signals`) reads the lines.

let notification: UInt = 0, endpoint: UInt = 1, second: UInt = 2

func taskMain(_ role: UInt, _ unused: UInt) {
    if role == 0 { eventLoop() } else { source() }
}

/// Five signals with each badge, then a call; once it is answered, one more
/// signal with each.
func source() {
    for _ in 0..<5 { check(Sys.signal(notification), "signal"); check(Sys.signal(second), "signal") }
    // A source holds signal only: it may not wait, and an endpoint is no notification.
    var l = Line("wait on a signal-only capability: "); l.signed(Sys.wait(notification).0)
    l.add("; signal on an endpoint: "); l.signed(Sys.signal(endpoint)); l.print()
    check(Sys.call(endpoint, 41, 0).0, "call")
    check(Sys.signal(notification), "the last signal")
    check(Sys.signal(second), "the last signal")
}

func eventLoop() {
    check(Sys.bind(notification), "bind")
    var buffer = InlineArray<8, UInt8>(repeating: 0)
    // The source signalled ten times and then blocked in its call: the bound
    // notification's word is taken first, as one wake.
    var (status, m) = withUnsafeMutableBytes(of: &buffer) { Sys.receive(endpoint, into: $0.baseAddress, capacity: 8) }
    check(status, "receive")
    var l = Line("one wake for 10 signals: notified "); l.add(m.notified ? "yes" : "no"); l.add(", bits "); l.number(UInt64(m.badge))
    l.print()
    (status, m) = withUnsafeMutableBytes(of: &buffer) { Sys.receive(endpoint, into: $0.baseAddress, capacity: 8) }
    check(status, "receive")
    var c = Line("then the call: notified "); c.add(m.notified ? "yes" : "no"); c.add(", badge "); c.number(UInt64(m.badge))
    c.add(", word "); c.number(UInt64(m.word0)); c.print()
    // The reply and the receive are one system call, so the loop is in its
    // receive before the source runs again: the source's signal with badge 1
    // ends it; the one with badge 2 comes while the loop is not receiving and
    // stays in the word.
    (status, m) = withUnsafeMutableBytes(of: &buffer) { Sys.replyWait(endpoint, 0, 0, into: $0.baseAddress, capacity: 8) }
    check(status, "replyWait")
    let (_, later) = Sys.poll(notification)
    let (_, none) = Sys.poll(notification)
    var w = Line("the reply, then a receive a signal ended: notified "); w.add(m.notified ? "yes" : "no"); w.add(", bits ")
    w.number(UInt64(m.badge)); w.add("; then poll: bits "); w.number(UInt64(later)); w.add(", then "); w.number(UInt64(none))
    w.print()
    check(Sys.bind(nil), "unbind")
    timer()
}

/// A timer signals the loop's own notification (badge 4) at its deadline: a
/// sleep is a wait. A deadline already past fires at once; a cancelled one never.
func timer() {
    let clock = Sys.clock()
    // 20 ms where the CPU says its frequency; else 20 million cycles.
    let delay = clock.kHz > 0 ? UInt64(clock.kHz) * 20 : 20_000_000
    let deadline = clock.cycles + delay
    check(Sys.setTimer(second, deadline: deadline), "setTimer")
    let (status, bits) = Sys.wait(notification)
    check(status, "wait for the timer")
    let late = Sys.clock().cycles >= deadline
    check(Sys.setTimer(second, deadline: 1), "setTimer in the past")
    let (_, past) = Sys.wait(notification)
    check(Sys.setTimer(second, deadline: Sys.clock().cycles + delay / 4), "setTimer")
    check(Sys.setTimer(second, deadline: 0), "cancel")
    var l = Line("a timer woke the wait: bits "); l.number(UInt64(bits)); l.add(late ? ", at or after its deadline" : ", early")
    l.add("; a past deadline at once: bits "); l.number(UInt64(past))
    // Long enough for the cancelled deadline to pass: nothing may come.
    let (_, before) = Sys.poll(notification)
    let until = Sys.clock().cycles + delay / 2
    while Sys.clock().cycles < until { Sys.yield() }
    let (_, cancelled) = Sys.poll(notification)
    l.add("; cancelled: bits "); l.number(UInt64(before | cancelled)); l.print()
}
func check(_ status: Int, _ what: StaticString) {
    if status == 0 { return }
    var l = Line(what); l.add(" failed: "); l.signed(status); l.print()
    Sys.exit(1)
}
