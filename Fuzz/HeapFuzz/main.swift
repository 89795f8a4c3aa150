// libFuzzer target for the heap. Each input is an operation stream, 4 bytes
// per operation: allocate, aligned allocate, realloc or free. Every live block
// is filled with its tag and checked before it is freed or moved; the full
// consistency check runs after every operation; at the end everything is
// freed and the heap must be one free block again. The first byte picks debug
// mode (magic, canary, poison) or the normal heap.
// Built by `make fuzz` with swiftc -sanitize=fuzzer,address, together with Sources/.
import Glibc

/// Host memory handed out like sbrk, reused by every input.
struct FuzzArena: HeapGrowth {
    static let capacity: UInt = 32 << 20
    static let base = UnsafeMutableRawPointer.allocate(byteCount: Int(capacity), alignment: 4096)
    var used: UInt = 0
    mutating func grow(atLeast bytes: UInt) -> (start: UnsafeMutableRawPointer, bytes: UInt)? {
        let rounded = (bytes + 4095) & ~4095
        if rounded > FuzzArena.capacity - used { return nil }
        defer { used += rounded }
        return (FuzzArena.base + Int(used), rounded)
    }
    /// Take back the top, like a negative sbrk (the heap trims through it).
    mutating func shrink(start: UInt, bytes: UInt) -> Bool {
        guard start + bytes == UInt(bitPattern: FuzzArena.base) + used, bytes <= used else { return false }
        used -= bytes
        // Scribble over what came back: a heap that still used it would fail the checks.
        (FuzzArena.base + Int(used)).initializeMemory(as: UInt8.self, repeating: 0xDB, count: Int(bytes))
        return true
    }
    /// A debug heap found a write to a free block: with every block used correctly, that is the heap's own bug.
    mutating func heapFound(_ problem: HeapError) { crash("debug check fired on correct use: \(problem)") }
}

struct Live { var pointer: UnsafeMutableRawPointer; var size: Int; var tag: UInt8 }

nonisolated(unsafe) var operationsRun = 0
nonisolated(unsafe) var inputsRun = 0

func crash(_ message: String) -> Never {
    print("heap fuzz: \(message)")
    fatalError(message)
}

func verify(_ l: Live, _ heap: Heap) {
    if memchrNot(l.pointer, l.tag, l.size) { crash("block \(l.pointer) of \(l.size) bytes lost its contents") }
}

/// True if some byte of [p, p + n) differs from `tag` (word at a time).
func memchrNot(_ p: UnsafeMutableRawPointer, _ tag: UInt8, _ n: Int) -> Bool {
    let word = UInt(tag) &* (UInt.max / 255)
    var i = 0
    while i + 8 <= n {
        if p.loadUnaligned(fromByteOffset: i, as: UInt.self) != word { return true }
        i += 8
    }
    while i < n {
        if p.load(fromByteOffset: i, as: UInt8.self) != tag { return true }
        i += 1
    }
    return false
}

func fill(_ l: Live) { l.pointer.initializeMemory(as: UInt8.self, repeating: l.tag, count: l.size) }

func consistent(_ heap: Heap, after op: Int) {
    if let problem = heap.check().1 { crash("inconsistent after op \(op): \(problem)") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    if count < 1 { return 0 }
    var arena = FuzzArena()
    var heap = Heap(debug: data[0] & 1 == 1)
    var live: [Live] = []
    var tag: UInt8 = 1
    var i = 1
    var op = 0
    while i + 4 <= count {
        let kind = data[i], a = Int(data[i + 1]), b = Int(data[i + 2]), sel = Int(data[i + 3])
        i += 4; op += 1
        // Mostly under 1 KiB, one in eight up to 64 KiB.
        let size = kind & 0xE0 == 0xE0 ? (a | b << 8) : (a | (b & 3) << 8)
        switch kind % 4 {
        case 0, 1:
            let alignment = kind % 4 == 1 ? 1 << (4 + sel % 9) : 16
            guard let p = heap.allocate(size, alignment: alignment, growth: &arena) else { continue }
            if UInt(bitPattern: p) % UInt(alignment) != 0 { crash("misaligned: \(p) for \(alignment)") }
            tag = tag == 255 ? 1 : tag + 1
            let l = Live(pointer: p, size: size, tag: tag)
            fill(l); live.append(l)
        case 2 where !live.isEmpty:
            let j = sel % live.count
            verify(live[j], heap)
            guard let p = heap.reallocate(live[j].pointer, to: size, growth: &arena) else { continue }
            let kept = min(size, live[j].size)
            if memchrNot(p, live[j].tag, kept) { crash("realloc lost the block's contents") }
            live[j].pointer = p; live[j].size = size
            fill(live[j])
        case 3 where !live.isEmpty:
            let j = sel % live.count
            verify(live[j], heap)
            do throws(HeapError) { try heap.free(live[j].pointer, growth: &arena) } catch {
                crash("free of a live block refused: \(error)")
            }
            live.swapAt(j, live.count - 1); live.removeLast()
        default:
            continue
        }
        consistent(heap, after: op)
    }
    for l in live {
        verify(l, heap)
        do throws(HeapError) { try heap.free(l.pointer) } catch { crash("final free refused: \(error)") }
    }
    heap.flushCache()
    let (census, problem) = heap.check()
    if let problem { crash("inconsistent at the end: \(problem)") }
    if heap.usedBytes != 0 || census.usedBlocks != 0 { crash("blocks still used after freeing all") }
    if census.freeBlocks > 1 { crash("\(census.freeBlocks) free blocks after freeing everything: not coalesced") }
    operationsRun += op
    inputsRun += 1
    return 0
}

// Report the work done when libFuzzer exits (make test checks the count).
@_cdecl("heap_fuzz_report")
func report() { print("HEAP FUZZ inputs=\(inputsRun) operations=\(operationsRun)") }

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>)
    -> CInt
{
    atexit { report() }
    return 0
}
