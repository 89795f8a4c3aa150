// The program from docs/first-program.md: a task that prints a line, sums
// the numbers up to its first argument, and exits with status 0.

func taskMain(_ n: UInt, _ unused: UInt) {
    var sum: UInt = 0
    for i in 1...max(n, 1) { sum += i }
    var line = Line("hello from my first program: 1 + ... + "); line.number(UInt64(n)); line.add(" = "); line.number(UInt64(sum))
    line.print()
}
