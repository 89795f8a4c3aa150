// Replaying a trace against an allocator. Both allocators run the same loop;
// each new block gets its first and last byte written, as a real user would.
import Glibc

protocol ReplayAllocator {
    mutating func allocate(_ size: Int) -> UnsafeMutableRawPointer?
    mutating func allocate(_ size: Int, alignment: Int) -> UnsafeMutableRawPointer?
    mutating func reallocate(_ p: UnsafeMutableRawPointer, _ size: Int) -> UnsafeMutableRawPointer?
    mutating func free(_ p: UnsafeMutableRawPointer)
    var name: String { get }
}

/// The C allocator this process runs with: glibc, or whatever LD_PRELOAD put in front.
struct SystemMalloc: ReplayAllocator {
    var name: String { "system malloc" }
    mutating func allocate(_ size: Int) -> UnsafeMutableRawPointer? { malloc(max(size, 1)) }
    mutating func allocate(_ size: Int, alignment: Int) -> UnsafeMutableRawPointer? {
        var p: UnsafeMutableRawPointer? = nil
        return posix_memalign(&p, max(alignment, MemoryLayout<Int>.size), max(size, 1)) == 0 ? p : nil
    }
    mutating func reallocate(_ p: UnsafeMutableRawPointer, _ size: Int) -> UnsafeMutableRawPointer? { realloc(p, max(size, 1)) }
    mutating func free(_ p: UnsafeMutableRawPointer) { Glibc.free(p) }
}

/// No allocator at all: every request gets the same scratch buffer and frees
/// do nothing. Replaying with it measures what the loop and the touches cost,
/// the floor under every allocator's time in this harness.
struct HarnessOnly: ReplayAllocator {
    let scratch: UnsafeMutableRawPointer
    var name: String { "harness only" }
    init(bytes: Int) { scratch = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 4096) }
    func release() { scratch.deallocate() }
    mutating func allocate(_ size: Int) -> UnsafeMutableRawPointer? { scratch }
    mutating func allocate(_ size: Int, alignment: Int) -> UnsafeMutableRawPointer? { scratch }
    mutating func reallocate(_ p: UnsafeMutableRawPointer, _ size: Int) -> UnsafeMutableRawPointer? { scratch }
    mutating func free(_ p: UnsafeMutableRawPointer) {}
}

/// Host memory handed out like sbrk: one reserved range, committed as touched.
struct MappedArena: HeapGrowth {
    let base: UnsafeMutableRawPointer
    let capacity: UInt
    var used: UInt = 0

    init(bytes: UInt) {
        capacity = bytes
        guard let p = mmap(nil, Int(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
            p != MAP_FAILED
        else { fatalError("cannot reserve \(bytes) bytes") }
        base = p
    }
    func release() { munmap(base, Int(capacity)) }

    /// Grows as the kernel's source does (Kernel/SbrkGrowth.swift): whole pages,
    /// at least 16 a call, and exactly enough when 16 no longer fit.
    static let minimumBytes: UInt = 16 * 4096

    mutating func grow(atLeast bytes: UInt) -> (start: UnsafeMutableRawPointer, bytes: UInt)? {
        let rounded = (bytes + 4095) & ~4095
        if rounded > capacity - used { return nil }
        let granted = max(rounded, MappedArena.minimumBytes) <= capacity - used ? max(rounded, MappedArena.minimumBytes) : rounded
        defer { used += granted }
        return (base + Int(used), granted)
    }
}

/// The project's heap on a MappedArena.
struct KernelHeap: ReplayAllocator {
    var heap = Heap()
    var arena: MappedArena
    var name: String { "kernel heap (TLSF)" }
    init(arenaBytes: UInt, debug: Bool = false) {
        self.init(arena: MappedArena(bytes: arenaBytes), debug: debug)
    }
    /// A fresh heap on an arena used before: its pages are already faulted in,
    /// as the system allocator's are after its first round.
    init(arena: MappedArena, debug: Bool = false) {
        self.arena = arena
        self.arena.used = 0
        heap = Heap(debug: debug)
    }
    mutating func allocate(_ size: Int) -> UnsafeMutableRawPointer? { heap.allocate(size, growth: &arena) }
    mutating func allocate(_ size: Int, alignment: Int) -> UnsafeMutableRawPointer? {
        heap.allocate(size, alignment: alignment, growth: &arena)
    }
    mutating func reallocate(_ p: UnsafeMutableRawPointer, _ size: Int) -> UnsafeMutableRawPointer? {
        heap.reallocate(p, to: size, growth: &arena)
    }
    mutating func free(_ p: UnsafeMutableRawPointer) {
        do throws(HeapError) { try heap.free(p) } catch { fatalError("heap refused a free during replay: \(error)") }
    }
}

/// Replay `trace` once; returns nanoseconds, or nil and the op index at the first failed allocation.
/// Never inlined, so profilers can count the replay alone (callgrind --toggle-collect).
@inline(never)
func replay<A: ReplayAllocator>(_ trace: Trace, _ a: inout A, slots: inout [UnsafeMutableRawPointer?]) -> (ns: UInt64, failedAt: Int?) {
    var start = timespec(), end = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    var failedAt: Int? = nil
    trace.ops.withUnsafeBufferPointer { ops in
        slots.withUnsafeMutableBufferPointer { slot in
            for i in 0..<ops.count {
                switch ops[i] {
                case .allocate(let id, let size):
                    guard let p = a.allocate(size) else { failedAt = i; return }
                    touch(p, size); slot[id] = p
                case .aligned(let id, let size, let alignment):
                    guard let p = a.allocate(size, alignment: alignment) else { failedAt = i; return }
                    touch(p, size); slot[id] = p
                case .reallocate(let id, let size):
                    guard let p = a.reallocate(slot[id]!, size) else { failedAt = i; return }
                    touch(p, size); slot[id] = p
                case .free(let id):
                    a.free(slot[id]!); slot[id] = nil
                }
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end)
    let ns = UInt64(end.tv_sec - start.tv_sec) * 1_000_000_000 + UInt64(end.tv_nsec) - UInt64(start.tv_nsec)
    return (ns, failedAt)
}

@inline(__always) func touch(_ p: UnsafeMutableRawPointer, _ size: Int) {
    p.storeBytes(of: 1, as: UInt8.self)
    if size > 1 { p.storeBytes(of: 2, toByteOffset: size - 1, as: UInt8.self) }
}
