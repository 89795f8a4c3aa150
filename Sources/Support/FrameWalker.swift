// The frame-pointer walker behind the kernel's backtraces. It never reads a
// frame record outside the stack it was given, allocates nothing and takes no
// lock, so a fault handler can use it on a damaged or overflowed stack.

/// Why a walk stopped.
enum WalkEnd: Equatable {
    /// A zero frame pointer: the outermost frame.
    case outermost
    /// A frame record that does not lie inside the stack (or is misaligned).
    case outsideStack(UInt)
    /// A caller's frame not above its callee's: a damaged chain.
    case notAscending(UInt)
    case depthLimit
}

/// The frame-pointer chain: a frame pointer leads to a record of two words, the
/// caller's frame pointer and the return address. `recordOffset` is where that
/// record lies from the frame pointer: 0 where the frame pointer names the
/// record itself (i386, AArch64), negative where it names the top of the frame
/// and the record sits below it (RISC-V: -2 words).
enum FrameWalker {
    /// Calls `visit` with each return address up the chain from `framePointer`.
    /// A record is read only when both its words lie in [stackLow, stackHigh),
    /// so a walk from a damaged or overflowed stack stops instead of faulting.
    static func walk(
        framePointer: UInt, recordOffset: Int = 0, stackLow: UInt, stackHigh: UInt, limit: Int,
        read: (UInt) -> UInt, visit: (UInt) -> Void
    ) -> WalkEnd {
        let word = UInt(MemoryLayout<UInt>.size)
        var fp = framePointer, previous: UInt = 0
        for _ in 0..<limit {
            if fp == 0 { return .outermost }
            let record = fp &+ UInt(bitPattern: recordOffset)
            if record % word != 0 || record < stackLow || stackHigh < 2 * word || record > stackHigh - 2 * word {
                return .outsideStack(fp)
            }
            if previous != 0 && fp <= previous { return .notAscending(fp) }
            let caller = read(record), returnAddress = read(record + word)
            if returnAddress == 0 { return .outermost }
            visit(returnAddress)
            previous = fp
            fp = caller
        }
        return .depthLimit
    }
}
