// A program of several files (docs/first-program.md): Swift that calls a C
// function built for every arch (checksum.c) and an assembly function of its
// own arch (<arch>/add.S). It sums its first argument's digits both ways and
// prints the checksum of a fixed text; a wrong answer exits with 1.

@_extern(c, "mixed_checksum") func mixedChecksum(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> UInt32
@_extern(c, "mixed_add") func mixedAdd(_ a: UInt, _ b: UInt) -> UInt

func taskMain(_ n: UInt, _ unused: UInt) {
    var inSwift: UInt = 0, inAssembly: UInt = 0, x = n
    repeat {
        inSwift += x % 10
        inAssembly = mixedAdd(inAssembly, x % 10)
        x /= 10
    } while x != 0
    let text: StaticString = "several files, one program"
    let sum = mixedChecksum(text.utf8Start, text.utf8CodeUnitCount)
    var l = Line("mixed: digits of "); l.number(UInt64(n)); l.add(" sum to "); l.number(UInt64(inAssembly))
    l.add(" in assembly, "); l.number(UInt64(inSwift)); l.add(" in Swift; checksum from C "); l.hex(UInt64(sum)); l.print()
    if inSwift != inAssembly { Sys.exit(1) }
}
