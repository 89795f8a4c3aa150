// The C symbols the Embedded Swift runtime needs from the kernel. Every class
// instance, Array and Dictionary is allocated through posix_memalign and
// released through free, so they all live in the kernel heap.

let ENOMEM: Int32 = 12

/// A load the optimizer cannot remove or reorder (runtime.c).
@_extern(c, "kernel_load_u64") func volatileLoad(_ p: UnsafePointer<UInt64>) -> UInt64

#if HEAP_DEBUG
    let heapDebugBuild = true  // make HEAP_DEBUG=1
#else
    let heapDebugBuild = false
#endif

/// `size` bytes at `alignment` from the kernel heap, or nil when it cannot grow.
/// Threads share the heap: it is used inside withKernel (interrupts off), so no
/// tick can switch to another thread in the middle of an allocation.
func kernelAllocate(_ size: Int, alignment: Int = 16) -> UnsafeMutableRawPointer? {
    guard kernelAssembled else { return nil }
    return withKernel { k in
        // The heap grows through sbrk on the state's region, with the state's frames.
        let p = withUnsafeMutablePointer(to: &k.region) { r in
            withUnsafeMutablePointer(to: &k.frames) { f -> UnsafeMutableRawPointer? in
                var growth = SbrkGrowth(region: r, frames: f)
                return k.heap.allocate(size, alignment: alignment, growth: &growth)
            }
        }
        return p
    }
}

@_cdecl("posix_memalign")
func posixMemalign(_ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>, _ alignment: Int, _ size: Int) -> Int32 {
    guard let p = kernelAllocate(size, alignment: alignment) else {
        kputs("heap: out of memory: posix_memalign of "); kputDecimal(UInt64(size))
        kputs(" bytes (align "); kputDecimal(UInt64(alignment)); kputs(") failed with a ")
        if let s = stateForReports {
            kputSize(UInt64(s.pointee.heap.heapBytes)); kputs(" heap; "); kputs(growthFailureName(lastHeapGrowthFailure))
        }
        kputs("\n")
        return ENOMEM
    }
    out.pointee = p
    return 0
}

/// Reached from `free` (runtime.c: the name is reserved in Swift).
@_cdecl("kernel_free")
func kernelFree(_ pointer: UnsafeMutableRawPointer?) {
    guard let p = pointer, kernelAssembled else { return }
    withKernel { k in
        // A free may trim the heap's top: sbrk(-n) on the state's region, frames back to the state's allocator.
        withUnsafeMutablePointer(to: &k.region) { r in
            withUnsafeMutablePointer(to: &k.frames) { f in
                var growth = SbrkGrowth(region: r, frames: f)
                do throws(HeapError) {
                    try k.heap.free(p, growth: &growth)
                } catch {
                    // Misuse is reported and refused; the heap is left as it was.
                    reportHeapError(error, during: "free")
                    kputs("heap: the free was refused; the heap is unchanged\n")
                }
            }
        }
    }
}

/// One line saying what misuse the heap found, where, and the block's state.
func reportHeapError(_ error: HeapError, during operation: StaticString) {
    kputs("heap: "); kputs(operation); kputs(": ")
    switch error {
    case .doubleFree(let a, let h):
        kputs("double free of "); kputHex(UInt64(a)); kputs(" (block already free, header "); kputHex(UInt64(h)); kputs(")")
    case .foreignPointer(let a): kputs("pointer the heap never handed out: "); kputHex(UInt64(a))
    case .corruptBlock(let a, let h):
        kputs("corrupt block header at "); kputHex(UInt64(a)); kputs(" (header "); kputHex(UInt64(h)); kputs(")")
    case .badMagic(let a, let m): kputs("bad magic before "); kputHex(UInt64(a)); kputs(" (found "); kputHex(UInt64(m)); kputs(")")
    case .canaryOverwritten(let a, let o):
        kputs("write past the end of the block at "); kputHex(UInt64(a)); kputs(", canary hit at offset "); kputDecimal(UInt64(o))
    case .useAfterFree(let a, let o):
        kputs("block "); kputHex(UInt64(a)); kputs(" was written after it was freed, at offset "); kputDecimal(UInt64(o))
    }
    kputs("\n")
}

@_cdecl("putchar")
func kernelPutchar(_ c: Int32) -> Int32 {
    kputByte(UInt8(truncatingIfNeeded: c))
    return c
}

/// Hash seeds for Dictionary and Set. Not for secrets: there is no entropy source yet.
var seedState: UInt64 = 0x243F_6A88_85A3_08D3
@_cdecl("arc4random_buf")
func kernelRandomBytes(_ buffer: UnsafeMutableRawPointer, _ count: Int) {
    for i in 0..<count {
        seedState ^= seedState << 13; seedState ^= seedState >> 7; seedState ^= seedState << 17
        buffer.storeBytes(of: UInt8(truncatingIfNeeded: seedState), toByteOffset: i, as: UInt8.self)
    }
}

/// ceil for hash-table sizing; written out so it cannot call itself.
@_cdecl("ceil")
func kernelCeil(_ x: Double) -> Double {
    if !(x.magnitude < 4_503_599_627_370_496.0) { return x }  // 2^52: already whole (or NaN, inf)
    let t = Double(Int64(x))
    return t < x ? t + 1 : t
}
