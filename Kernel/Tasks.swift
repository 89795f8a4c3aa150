// User tasks: a thread whose context returns to user mode, in its own address
// space. The space's root starts as a copy of the kernel's root entries
// outside the user window (SharedKernel.swift); the task's ELF segments, its
// stack (above a guard page) and its sbrk heap are mapped user-accessible in
// the window. A task's memory is a part of its thread's record (ThreadRecord.swift).

struct TaskTable {
    static let stackPages = 4
    var tables = DirectFromFrames()
    /// The kernel's root table, and the one active now.
    let kernelRoot: UInt64
    var activeRoot: UInt64
    /// Teardowns so far: spaces, frames given back, frames those spaces held.
    var tornDown = 0, framesFreed = 0, framesExpected = 0
    /// Frames of shared-memory regions given back (RegionCalls.swift).
    var regionFramesFreed = 0
    var ipc: IPCState
}

/// The address space thread `t` runs in.
func space(_ k: inout KernelState, of t: ThreadID) -> AddressSpace<Platform> {
    k.records[t].memory.root == 0 ? k.space : AddressSpace(arch: Platform(), root: Frame(PhysicalAddress(k.records[t].memory.root)))
}

func userMemory(_ k: inout KernelState, of t: ThreadID) -> UserMemory<Platform> {
    UserMemory(space: space(&k, of: t), window: Platform.userWindow)
}

/// The user window's layout: segments and heap below, the stack above its guard page.
/// (Computed, not stored: a stored global would be initialized lazily, and sbrk reads it in a trap.)
var userLayout: UserLayout {
    UserLayout(window: Platform.userWindow, stackPages: TaskTable.stackPages, pageSize: UInt(Platform.Format.pageSize))
}

/// Make `next`'s root the active one (interrupts off, on a switch).
func enterAddressSpace(_ k: inout KernelState, of next: ThreadID) {
    let root = k.records[next].memory.root != 0 ? k.records[next].memory.root : k.tasks.kernelRoot
    if root != k.tasks.activeRoot {
        Platform().activate(root: Frame(PhysicalAddress(root)))
        k.tasks.activeRoot = root
    }
}

/// A kernel-mode fault at `address` while a task's root is active: if the
/// kernel's root has an entry there that the task's copy lacks (the kernel
/// grew after the task was made), copy it in. True: retry the access.
/// Called from the fault path, possibly inside withKernel: it reads the state
/// where it lies and changes only the task's root entry and a count.
func repairKernelMapping(at address: UInt64) -> Bool {
    guard let s = stateForReports, s.pointee.tasks.activeRoot != s.pointee.tasks.kernelRoot,
        address < UInt64(Platform.userWindow.start.raw) || address >= UInt64(Platform.userWindow.end.raw)
    else { return false }
    let task = AddressSpace(arch: Platform(), root: Frame(PhysicalAddress(s.pointee.tasks.activeRoot)))
    guard task.syncRootEntry(for: VirtualAddress(UInt(address)), from: s.pointee.space) else { return false }
    s.pointee.tasks.ipc.rootEntriesSynced += 1
    return true
}

/// Give back the address space of dead task `t`, if it has one and it is not
/// active. Called when the task dies (or is killed) and when its slot is reused.
func tearDownTask(_ k: inout KernelState, _ t: ThreadID) {
    let root = k.records[t].memory.root
    guard root != 0, root != k.tasks.activeRoot, k.threads.scheduler.state(of: t) != .running else { return }
    let freed = space(&k, of: t).destroy(userWindow: Platform.userWindow, frames: &k.frames)
    let held = k.records[t].memory.framesHeld
    k.tasks.tornDown += 1
    k.tasks.framesFreed += freed
    k.tasks.framesExpected += held
    kputs("tasks: "); putName(&k, t); kputs("'s address space torn down: "); kputDecimal(UInt64(freed))
    kputs(" frames given back of "); kputDecimal(UInt64(held)); kputs(" held\n")
    unmapRegions(&k, of: t)  // its mappings no longer hold their regions (whose frames were not its own)
    k.records[t].memory = TaskMemory()
}

/// Why a task did not start. Each has its system-call error (spawn's result).
enum TaskStartFailure: Error {
    case badImage, outOfMemory, overLimit
    case thread(SpawnFailure)

    var syscallError: SyscallError {
        switch self {
        case .badImage: return .badRequest
        case .outOfMemory, .thread(.outOfFrames): return .outOfMemory
        case .overLimit: return .overLimit
        case .thread(.tableFull), .thread(.noStackSlot): return .noResources
        }
    }
}

/// Check `bytes` as an ELF executable for this CPU and start it as a task
/// with `arguments`, allowed at most `memoryLimit` bytes of frames (its pages,
/// tables and stack; sbrk past it fails with `overLimit`). `prepare` runs on
/// the new thread's id before it can be scheduled (its capabilities go in
/// there). Throws, with the reason printed, if it is refused, does not fit
/// its limit, finds no thread slot, or memory runs out; nothing is kept then.
func startTask(
    _ k: inout KernelState, _ name: UnsafeRawBufferPointer, _ bytes: UnsafeRawBufferPointer, priority: Int,
    arguments: (UInt, UInt), memoryLimit: UInt64 = 4 << 20,
    prepare: (inout KernelState, ThreadID) -> Void = { _, _ in }
) throws(TaskStartFailure) -> ThreadID {
    // Segments go below the stack's guard page, never over the stack.
    let target = ELFImage.Target(
        machine: Platform.elfMachine, is64: MemoryLayout<UInt>.size == 8,
        window: userLayout.loadWindow, pageSize: Platform.Format.pageSize)
    let image: ELFImage
    do throws(ELFError) { image = try ELFImage.parse(bytes.baseAddress!, count: bytes.count, for: target) } catch {
        kputs("tasks: image "); kputRaw(name); kputs(" refused: "); reportELFProblem(error); kputs("\n")
        throw .badImage
    }
    let framesBefore = k.frames.freeFrames
    guard let task = AddressSpace(arch: Platform(), frames: &k.frames) else {
        kputs("tasks: out of memory loading "); kputRaw(name); kputs("; nothing of it is kept\n")
        throw .outOfMemory
    }
    task.shareRootEntries(from: k.space, except: Platform.userWindow)
    let pageSize = UInt(Platform.Format.pageSize)
    let stackTop = userLayout.stackTop
    var complete = true
    for i in 0..<image.segmentCount where complete { complete = mapSegment(&k, image.segments[i], bytes, task) }
    for n in 1...TaskTable.stackPages where complete {
        complete = mapFresh(&k, Page(VirtualAddress(stackTop - UInt(n) * pageSize)), [.user, .writable], task) != nil
    }
    if !complete {  // out of frames part way: give back what was built
        _ = task.destroy(userWindow: Platform.userWindow, frames: &k.frames)
        kputs("tasks: out of memory loading "); kputRaw(name); kputs("; nothing of it is kept\n")
        throw .outOfMemory
    }
    let held = framesBefore - k.frames.freeFrames
    let limit = Int(memoryLimit / Platform.Format.pageSize)
    if held > limit {
        kputs("tasks: "); kputRaw(name); kputs(" needs "); kputSize(UInt64(held) * Platform.Format.pageSize)
        kputs(" to load, over its limit of "); kputSize(memoryLimit); kputs("; not started\n")
        _ = task.destroy(userWindow: Platform.userWindow, frames: &k.frames)
        throw .overLimit
    }
    let entry = UInt(image.entry)
    // Before the new thread can be scheduled: a slot reused from a dead task
    // must never run for a moment with the old root.
    do throws(SpawnFailure) {
        return try spawn(&k, name, priority: priority, body: nil, argument: 0) { k, t, kernelTop in
            let brk = UInt(alignUp(image.end, UInt64(pageSize)))
            k.records[t].memory = TaskMemory(root: task.root.start.raw, brk: brk, heapBase: brk, framesHeld: held, frameLimit: limit)
            prepare(&k, t)
            return Platform.initialUserContext(
                area: k.records[t].area, kernelStackTop: kernelTop, entry: entry,
                userStack: stackTop, arguments: arguments)
        }
    } catch {
        _ = task.destroy(userWindow: Platform.userWindow, frames: &k.frames)
        throw .thread(error)
    }
}

/// Map one checked segment: fresh zeroed frames, the file's bytes copied in.
private func mapSegment(_ k: inout KernelState, _ s: ELFSegment, _ file: UnsafeRawBufferPointer, _ task: AddressSpace<Platform>) -> Bool {
    let pageSize = Platform.Format.pageSize
    var attributes: PageAttributes = [.user]
    if s.writable { attributes.insert(.writable) }
    if s.executable { attributes.insert(.executable) }
    var page = alignDown(s.virtualAddress, pageSize)
    while page < s.virtualAddress + s.memorySize {
        guard let frame = mapFresh(&k, Page(VirtualAddress(UInt(page))), attributes, task) else { return false }
        // The file bytes that land in this page.
        let from = max(page, s.virtualAddress), to = min(page + pageSize, s.virtualAddress + s.fileSize)
        if from < to {
            Platform().pointer(to: frame.start).advanced(by: Int(from - page))
                .copyMemory(from: file.baseAddress! + Int(s.fileOffset + (from - s.virtualAddress)), byteCount: Int(to - from))
        }
        page += pageSize
    }
    return true
}

/// Map `page` to a fresh zeroed frame and return it; nil (nothing kept but tables) if memory ran out.
@discardableResult
func mapFresh(_ k: inout KernelState, _ page: Page, _ attributes: PageAttributes, _ task: AddressSpace<Platform>) -> Frame? {
    guard let frame = k.frames.allocate() else { return nil }
    task.zero(frame)
    do throws(MapError) {
        try task.map(page, to: frame, attributes, tables: &k.tasks.tables, frames: &k.frames)
        return frame
    } catch {
        try? k.frames.free(frame)
        return nil
    }
}

func reportELFProblem(_ e: ELFError) {
    switch e {
    case .tooSmall: kputs("too small for an ELF header")
    case .badMagic: kputs("no ELF magic")
    case .wrongClass: kputs("wrong ELF class (32/64-bit) for this CPU")
    case .notLittleEndian: kputs("not little-endian")
    case .badVersion: kputs("unknown ELF version")
    case .notExecutable: kputs("not an executable (ET_EXEC)")
    case .wrongMachine(let m): kputs("built for machine "); kputDecimal(UInt64(m)); kputs(", not this CPU")
    case .badHeaderSize: kputs("header or program-header size is wrong")
    case .programHeadersOutOfFile: kputs("program headers lie outside the file")
    case .tooManySegments: kputs("too many segments")
    case .dynamicImage: kputs("needs a dynamic linker")
    case .segmentOutOfFile(let i): kputs("segment "); kputDecimal(UInt64(i)); kputs(" lies outside the file")
    case .fileSizeExceedsMemorySize(let i): kputs("segment "); kputDecimal(UInt64(i)); kputs(" has more file bytes than memory")
    case .segmentOutsideWindow(let i): kputs("segment "); kputDecimal(UInt64(i)); kputs(" lies outside the user window")
    case .segmentsOverlap(let i): kputs("segment "); kputDecimal(UInt64(i)); kputs(" overlaps another")
    case .badAlignment(let i): kputs("segment "); kputDecimal(UInt64(i)); kputs(" is misaligned")
    case .writableAndExecutable(let i): kputs("segment "); kputDecimal(UInt64(i)); kputs(" is writable and executable")
    case .entryNotInCode: kputs("the entry point is not in an executable segment")
    case .noLoadableSegment: kputs("no loadable segment")
    }
}
