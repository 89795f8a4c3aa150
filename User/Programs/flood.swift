// A console flood (the test system, every arch): several of these write far
// more than the console's log ring holds, as fast as they can. Nothing may be
// lost: each line must reach the screen whole and in order, and the others
// must go on running meanwhile (a full ring blocks a writer in its write, it
// does not spin). `args` = (this flooder's number, lines). The boot test
// (ci/task_checks.py, `flood`) reads every line.

func taskMain(_ me: UInt, _ lines: UInt) {
    for i in 1...max(lines, 1) {
        var l = Line("flood "); l.number(UInt64(me)); l.add(": line "); l.number(UInt64(i)); l.add(" of ")
        l.number(UInt64(lines)); l.add(" ....:....|....:....|....:....|....:....|....:....| end")
        l.print()
    }
}
