// The kernel's state: everything it owns, in one value, built once by
// kernelMain (assembleKernel) and never freed. The frame allocator is here and
// nowhere else; the heap's sbrk, thread stacks and task loads borrow it.
//
// One way in: withKernel, which masks interrupts for its duration, so a timer
// tick cannot switch threads in the middle of a change. The trap entry
// (kernelTrap) enters once and passes the state down as `inout`; the code it
// calls never enters again. Entering twice is a kernel bug and panics (an
// allocation inside withKernel would do it: allocate before, or from frames).
// Fault reports, which may run while the state is entered, only read it,
// through stateForReports.

struct KernelState {
    /// The kernel's only frame allocator.
    var frames: FrameAllocator
    /// The kernel's address space: the direct map, the heap, the thread stacks;
    /// every task's root shares its entries outside the user window.
    let space: AddressSpace<Platform>
    /// The kernel heap's window, break and table strategy (sbrk).
    var region: HeapRegion<Platform, TableStrategy>
    /// The kernel heap: every Swift object, Array and table the kernel allocates.
    var heap: Heap
    /// Every thread's record (Sources/Sched/ThreadRecord.swift); the scheduler,
    /// the IPC rules and the lineage index the same table.
    let records: ThreadTable
    var threads: KernelThreads
    var tasks: TaskTable
    var system: SystemState
    /// RAM the boot memory map offered.
    let ramBytes: UInt64
    /// The devices the kernel drives itself (no task is given them, the console's aside).
    let devices: BootDevices
}

private var statePointer: UnsafeMutablePointer<KernelState>? = nil
private var entered = false

/// Run `body` on the kernel state, interrupts masked.
@inline(__always)
func withKernel<T>(_ body: (inout KernelState) -> T) -> T {
    let wereOn = Platform.disableInterrupts()
    let result = withKernelInTrap(body)
    if wereOn { Platform.enableInterrupts() }
    return result
}

/// withKernel for kernelTrap, where the CPU has already masked interrupts:
/// the same entry without reading and restoring the interrupt flag.
@inline(__always)
func withKernelInTrap<T>(_ body: (inout KernelState) -> T) -> T {
    if entered { kernelPanic("the kernel state was entered twice (an allocation, a fault or a trap inside withKernel)") }
    entered = true
    let result = body(&statePointer.unsafelyUnwrapped.pointee)
    entered = false
    return result
}

/// True once kernelMain has assembled the state.
var kernelAssembled: Bool { statePointer != nil }

/// True while some code is inside withKernel (a fault taken there is a kernel bug).
var kernelEntered: Bool { entered }

/// The state for fault reports and the kernel-mapping repair: read where it
/// lies, whether or not it is entered. Nil before it is assembled.
var stateForReports: UnsafeMutablePointer<KernelState>? { statePointer }

/// Build the state in the heap it describes. `frames`, `region` and `heap`
/// are kernelMain's; the thread and task tables are allocated straight from
/// `heap` (posix_memalign cannot reach the heap before the state exists), and
/// the stacks' page tables are made before any task copies the kernel's root.
func assembleKernel(
    frames: inout FrameAllocator, space: AddressSpace<Platform>, region: inout HeapRegion<Platform, TableStrategy>,
    heap: inout Heap, ramBytes: UInt64, devices: BootDevices
) {
    let state: UnsafeMutablePointer<KernelState> = withUnsafeMutablePointer(to: &region) { r in
        withUnsafeMutablePointer(to: &frames) { f in
            var growth = SbrkGrowth(region: r, frames: f)
            func allocate(_ bytes: Int, _ alignment: Int) -> UnsafeMutableRawPointer {
                guard let p = heap.allocate(bytes, alignment: alignment, growth: &growth) else {
                    kernelPanic("no memory for the kernel's thread and task tables")
                }
                return p
            }
            let n = ThreadTable.capacity
            let areaBytes = Platform.contextBytes
            let areas = areaBytes == 0 ? nil : allocate(areaBytes * n, 16)
            let storage = allocate(n * MemoryLayout<ThreadRecord>.stride, max(MemoryLayout<ThreadRecord>.alignment, 16))
            let records = ThreadTable(storage: storage.bindMemory(to: ThreadRecord.self, capacity: n)) { t in
                areas.map { $0 + t * areaBytes }
            }
            var threads = KernelThreads.make(records)
            let tasks = TaskTable(
                kernelRoot: space.root.start.raw, activeRoot: space.root.start.raw,
                ipc: IPCState(core: IPCCore(threads: records)))
            do throws(MapError) {
                try threads.stacks.prepareTables(space: space, tables: &threads.tables, frames: &f.pointee)
            } catch {
                kernelPanic("threads: no frames for the kernel stacks' page tables")
            }
            let place = allocate(MemoryLayout<KernelState>.stride, 16).bindMemory(to: KernelState.self, capacity: 1)
            place.initialize(
                to: KernelState(
                    frames: f.pointee, space: space, region: r.pointee, heap: heap, records: records,
                    threads: threads, tasks: tasks, system: SystemState(lineage: Lineage(threads: records)),
                    ramBytes: ramBytes, devices: devices))
            return place
        }
    }
    statePointer = state
}
