// The test image's crash hooks: faults provoked on request from the command
// line, so that the boot tests can check each is reported loudly (with a
// backtrace) and not mistaken for a pass.

/// `crash=null` on the command line reads address 0 (the unmapped null page);
/// `crash=writecode` writes over kernel code; `crash=panic` panics; `crash=deep`
/// faults three calls deep. The boot tests prove that each is reported, not
/// silent, with a backtrace that names the functions.
func provokeRequestedFault(_ commandLine: ByteString) {
    guard let what = commandLine.value(of: "crash") else { return }
    if what.equals("null") {
        kputs("crash=null: reading address 0\n")
        let p = UnsafeMutablePointer<UInt32>(bitPattern: nullAddress)
        kputHex(UInt64(p.unsafelyUnwrapped.pointee))
    }
    if what.equals("writecode") {
        // Kernel code is mapped read-only (W^X): this write must fault.
        let code = unsafeBitCast(kernelCeil as @convention(c) (Double) -> Double, to: UInt.self)
        kputs("crash=writecode: writing over kernel code at "); kputHex(UInt64(code)); kputs("\n")
        UnsafeMutablePointer<UInt8>(bitPattern: code)!.pointee = 0
        kputs("crash=writecode: the write was not stopped\n")
    }
    if what.equals("panic") { kernelPanic("crash=panic: a panic on request") }
    if what.equals("deep") {
        kputs("crash=deep: a null read three calls deep\n")
        crashDepthOne()
    }
}

// Three frames the backtrace must name in order (innermost first). Each does
// work after its call, so the call is not a tail call that would drop a frame.
@inline(never) func crashDepthOne() { crashDepthTwo(); kputs("crash=deep: returned from depth two\n") }
@inline(never) func crashDepthTwo() { crashDepthThree(); kputs("crash=deep: returned from depth three\n") }
@inline(never) func crashDepthThree() {
    kputs("crash=deep: depth three reads address 0\n")
    kputHex(UInt64(UnsafeMutablePointer<UInt32>(bitPattern: nullAddress).unsafelyUnwrapped.pointee))
    kputs("crash=deep: the read was not stopped\n")
}

/// Zero, hidden from the optimizer so the null read is really issued.
var nullAddress: UInt = 0

/// `crash=stray` on the command line: write one byte just past the heap's break,
/// as a heap overrun would. Every strategy must stop it; none may let it reach a table.
func provokeStrayHeapWrite() {
    guard let p = kernelAllocate(64) else { kernelPanic("crash=stray: no heap to overrun") }
    kernelFree(p)
    let brk = withKernel { $0.region.brk }
    kputs("crash=stray: writing one byte at the heap's break "); kputHex(UInt64(brk.raw)); kputs("\n")
    UnsafeMutablePointer<UInt8>(bitPattern: brk.raw)!.pointee = 0x5A
    kputs("crash=stray: the write was not stopped\n")
}

/// `crash=badfree` on the command line: free a pointer the heap never handed
/// out, then free a block twice. Both must be reported and refused, and the
/// kernel must go on to finish its self-test.
func provokeBadFrees() {
    var onStack: UInt64 = 0
    kputs("crash=badfree: freeing a stack address, then one block twice\n")
    withUnsafeMutablePointer(to: &onStack) { kernelFree(UnsafeMutableRawPointer($0)) }
    guard let p = kernelAllocate(2000) else { kernelPanic("crash=badfree: no heap") }
    kernelFree(p)
    kernelFree(p)
}
