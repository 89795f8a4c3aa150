// Backtraces on the serial console, with function names from the kernel's own
// symbol table: a CI log is read by people, not re-symbolized. Used by every
// kernel fault report and by kernelPanic; reads only what the walker bounds.

@_extern(c, "kernel_layout") func kernelLayout(_ out: UnsafeMutablePointer<UInt>)
@_extern(c, "kernel_caller_frame") func callerFrame(_ recordOffset: Int) -> UInt

/// The frames a backtrace prints at most.
let backtraceDepth = 24

/// Print the chain from a trap: the faulting `pc`, then the return addresses up
/// the frame-pointer chain from `framePointer`. `link` is the link register at
/// the fault (AArch64), which names the caller when `pc` is in code the
/// compiler outlined (OUTLINED_FUNCTION_n) from several functions.
@inline(never)
func printBacktrace(pc: UInt, framePointer: UInt, link: UInt? = nil) {
    var words: (UInt, UInt, UInt, UInt, UInt) = (0, 0, 0, 0, 0)
    withUnsafeMutablePointer(to: &words) { $0.withMemoryRebound(to: UInt.self, capacity: 5) { kernelLayout($0) } }
    let layout = (symbols: words.0, symbolsEnd: words.1, image: words.2, bootStackLow: words.3, bootStackHigh: words.4)
    let symbols = SymbolTable(
        table: UnsafeRawPointer(bitPattern: layout.symbols)!,
        bytes: Int(layout.symbolsEnd - layout.symbols), imageBase: layout.image)
    if symbols == nil { kputs("backtrace: the image has no symbol table (.ksyms not filled in)\n") }
    kputs("backtrace:\n")
    printFrame(0, pc, symbols, lookupAt: pc, link: link)
    let stack = currentStack(layout.bootStackLow, layout.bootStackHigh)
    var n = 1, previous: UInt = 0, repeats = 0
    let end = FrameWalker.walk(
        framePointer: framePointer, recordOffset: Platform.frameRecordOffset,
        stackLow: stack.low, stackHigh: stack.high,
        limit: backtraceDepth, read: { UnsafePointer<UInt>(bitPattern: $0)!.pointee }
    ) { ra in
        n += 1
        if ra == previous { repeats += 1; return }  // deep recursion: one line, then a count
        if repeats > 0 { printRepeats(repeats) }
        repeats = 0
        previous = ra
        // A return address follows its call: name the byte before it, the call itself.
        printFrame(n - 1, ra, symbols, lookupAt: ra - 1, link: nil)
    }
    if repeats > 0 { printRepeats(repeats) }
    switch end {
    case .outermost: break
    case .outsideStack(let fp):
        kputs("  (stopped: frame pointer "); kputHex(UInt64(fp)); kputs(" is outside the current stack ")
        kputHex(UInt64(stack.low)); kputs("-"); kputHex(UInt64(stack.high)); kputs(")\n")
    case .notAscending(let fp):
        kputs("  (stopped: the next frame pointer "); kputHex(UInt64(fp)); kputs(" is not above this one)\n")
    case .depthLimit: kputs("  (stopped after "); kputDecimal(UInt64(backtraceDepth)); kputs(" frames)\n")
    }
}

/// A panic's backtrace, from this function's caller up: this function's frame
/// record holds the caller's frame pointer and a return address into it.
@inline(never)
func printPanicBacktrace() {
    let offset = Platform.frameRecordOffset
    let record = UnsafePointer<UInt>(bitPattern: callerFrame(offset) &+ UInt(bitPattern: offset))!
    printBacktrace(pc: record[1], framePointer: record[0])
}

private func printRepeats(_ n: Int) {
    kputs("  ... the same frame "); kputDecimal(UInt64(n)); kputs(n == 1 ? " more time\n" : " more times\n")
}

private func printFrame(_ n: Int, _ address: UInt, _ symbols: SymbolTable?, lookupAt: UInt, link: UInt?) {
    kputs("  #"); kputDecimal(UInt64(n)); kputs(" "); kputHex(UInt64(address)); kputs(" ")
    guard let s = symbols, let hit = s.describe(lookupAt, link: link) else { kputs("?\n"); return }
    kputBytes(hit.name); kputs(" + "); kputHex(UInt64(hit.offset + (address - lookupAt)))
    if let caller = hit.outlinedFrom {
        kputs(", outlined from "); kputBytes(caller.name); kputs(" + "); kputHex(UInt64(caller.offset))
    } else if hit.name.hasPrefix("OUTLINED_FUNCTION_") {
        kputs(" (outlined code; the caller is the next frame)")
    }
    kputs("\n")
}

/// The stack the interrupted code ran on: the current kernel thread's, or the
/// boot stack when no thread is running (the boot flow).
private func currentStack(_ bootLow: UInt, _ bootHigh: UInt) -> (low: UInt, high: UInt) {
    if let state = stateForReports {  // in place: a copy of the table would cost KiBs of the exception stack
        let t = state.pointee.threads.scheduler.current
        let slot = state.pointee.records[t].stackSlot
        if t != Scheduler.idle && slot >= 0 {
            let s = state.pointee.threads.stacks.slot(slot)
            return (s.bottom.raw, s.top.raw)
        }
    }
    return (bootLow, bootHigh)
}
