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

/// The frame-pointer chain of i386 and AArch64 alike: a frame pointer names a
/// record of two words, the caller's frame pointer and the return address.
enum FrameWalker {
    /// Calls `visit` with each return address up the chain from `framePointer`.
    /// A record is read only when both its words lie in [stackLow, stackHigh),
    /// so a walk from a damaged or overflowed stack stops instead of faulting.
    static func walk(framePointer: UInt, stackLow: UInt, stackHigh: UInt, limit: Int,
                     read: (UInt) -> UInt, visit: (UInt) -> Void) -> WalkEnd {
        let word = UInt(MemoryLayout<UInt>.size)
        var fp = framePointer, previous: UInt = 0
        for _ in 0..<limit {
            if fp == 0 { return .outermost }
            if fp % word != 0 || fp < stackLow || stackHigh < 2 * word || fp > stackHigh - 2 * word {
                return .outsideStack(fp)
            }
            if previous != 0 && fp <= previous { return .notAscending(fp) }
            let caller = read(fp), returnAddress = read(fp + word)
            if returnAddress == 0 { return .outermost }
            visit(returnAddress)
            previous = fp
            fp = caller
        }
        return .depthLimit
    }
}
