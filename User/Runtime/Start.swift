// Where a task's Swift code begins (start.S calls user_start with the two
// arguments the kernel gave the task), and the heap every Swift object,
// Array and Dictionary in a task lives in: the kernel's own TLSF heap
// (Sources/Heap), grown through the sbrk system call instead of the VMM.

@_cdecl("user_start")
func userStart(_ argument0: UInt, _ argument1: UInt) -> Never {
    taskMain(argument0, argument1)
    Sys.exit(0)
}

struct SbrkSyscall: HeapGrowth {
    mutating func grow(atLeast bytes: UInt) -> (start: UnsafeMutableRawPointer, bytes: UInt)? {
        let pageBytes: UInt = 4096
        let n = max((bytes + pageBytes - 1) & ~(pageBytes - 1), 16 * pageBytes)
        let r = syscall(.sbrk, n)
        guard r.ok, let p = UnsafeMutableRawPointer(bitPattern: r.r1) else { return nil }
        return (p, n)
    }

    /// The heap trims: sbrk with a negative increment gives the top pages back.
    mutating func shrink(start: UInt, bytes: UInt) -> Bool {
        let now = syscall(.sbrk, 0)  // the break: only the top of the heap goes back
        guard now.ok, now.r1 == start + bytes else { return false }
        return syscall(.sbrk, 0 &- bytes).ok
    }
}

var userHeap: Heap? = nil
var userGrowth = SbrkSyscall()

@_cdecl("posix_memalign")
func userMemalign(_ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>, _ alignment: Int, _ size: Int) -> Int32 {
    if userHeap == nil { userHeap = Heap() }
    guard let p = userHeap!.allocate(size, alignment: alignment, growth: &userGrowth) else { return 12 }  // ENOMEM
    out.pointee = p
    return 0
}

@_cdecl("user_free")
func userFree(_ p: UnsafeMutableRawPointer?) {
    guard let p, userHeap != nil else { return }
    do throws(HeapError) { try userHeap!.free(p, growth: &userGrowth) } catch {
        // Refused: the heap is unchanged.
        var line = Line("heap: a bad free in this task was refused: "); line.hex(UInt64(UInt(bitPattern: p)))
        line.print()
    }
}

@_cdecl("arc4random_buf")
func userRandomBytes(_ buffer: UnsafeMutableRawPointer, _ count: Int) {
    for i in 0..<count { buffer.storeBytes(of: UInt8(truncatingIfNeeded: i &* 151 &+ 7), toByteOffset: i, as: UInt8.self) }
}
