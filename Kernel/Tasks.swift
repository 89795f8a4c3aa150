// User tasks: a thread whose context returns to user mode, in its own address
// space. The space's root starts as a copy of the kernel's root entries
// outside the user window (SharedKernel.swift); the task's ELF segments, its
// stack (above a guard page) and its sbrk heap are mapped user-accessible in
// the window. Per-thread task and IPC state lives here, touched with
// interrupts off like the thread table.

struct TaskTable {
    static let stackPages = 8
    /// Per thread: its root table's address (0: a kernel thread, on the kernel's root).
    let root: UnsafeMutablePointer<UInt64>
    let brk: UnsafeMutablePointer<UInt>
    /// Per thread: 1 when its console output stopped inside a line (see TaskOutput).
    let midLine: UnsafeMutablePointer<UInt8>
    /// Frames each task's address space holds (root, tables, pages), to check the teardown.
    let framesHeld: UnsafeMutablePointer<Int>
    /// Per thread: the most frames its address space may hold (pages, tables, stack).
    let frameLimit: UnsafeMutablePointer<Int>
    var tables = DirectFromFrames()
    var activeRoot: UInt64
    /// Teardowns so far: spaces, frames given back, frames those spaces held.
    var tornDown = 0, framesFreed = 0, framesExpected = 0
    var ipc = IPCState()
}

/// Nil until startTasks. A pointer for the same reason as kernelThreads: no copy per access.
var tasks: UnsafeMutablePointer<TaskTable>? = nil
/// The kernel's root table, kept apart so that the switch path need not reach
/// through the heap region (a large struct behind an Optional) for it.
var kernelRootAddress: UInt64 = 0

func kernelSpace() -> AddressSpace<Platform> {
    AddressSpace(arch: Platform(), root: Frame(PhysicalAddress(kernelRootAddress)))
}

func startTasks() {
    kernelRootAddress = kernelGrowth.region!.space.root.start.raw
    let table = UnsafeMutablePointer<TaskTable>.allocate(capacity: 1)
    table.initialize(to: TaskTable(root: zeroed(Scheduler.capacity), brk: zeroed(Scheduler.capacity), midLine: zeroed(Scheduler.capacity),
                      framesHeld: zeroed(Scheduler.capacity), frameLimit: zeroed(Scheduler.capacity), activeRoot: kernelRootAddress))
    tasks = table
}

private func zeroed<T: FixedWidthInteger>(_ n: Int) -> UnsafeMutablePointer<T> {
    let p = UnsafeMutablePointer<T>.allocate(capacity: n)
    p.initialize(repeating: 0, count: n)
    return p
}

/// The address space thread `t` runs in.
func space(of t: ThreadID) -> AddressSpace<Platform> {
    guard let table = tasks, table.pointee.root[t] != 0 else { return kernelSpace() }
    return AddressSpace(arch: Platform(), root: Frame(PhysicalAddress(table.pointee.root[t])))
}

func userMemory(of t: ThreadID) -> UserMemory<Platform> { UserMemory(space: space(of: t), window: Platform.userWindow) }

/// The user window's layout: segments and heap below, the stack above its guard page.
/// (Computed, not stored: a stored global would be initialized lazily, and sbrk reads it in a trap.)
var userLayout: UserLayout {
    UserLayout(window: Platform.userWindow, stackPages: TaskTable.stackPages, pageSize: UInt(Platform.Format.pageSize))
}

/// Make `next`'s root the active one (interrupts off, on a switch).
func enterAddressSpace(of next: ThreadID) {
    guard tasks != nil else { return }
    let root = tasks!.pointee.root[next] != 0 ? tasks!.pointee.root[next] : kernelSpace().root.start.raw
    if root != tasks!.pointee.activeRoot {
        Platform().activate(root: Frame(PhysicalAddress(root)))
        tasks!.pointee.activeRoot = root
    }
}

/// A kernel-mode fault at `address` while a task's root is active: if the
/// kernel's root has an entry there that the task's copy lacks (the kernel
/// grew after the task was made), copy it in. True: retry the access.
func repairKernelMapping(at address: UInt64) -> Bool {
    guard let table = tasks, table.pointee.activeRoot != kernelRootAddress,
          address < UInt64(Platform.userWindow.start.raw) || address >= UInt64(Platform.userWindow.end.raw) else { return false }
    let task = AddressSpace(arch: Platform(), root: Frame(PhysicalAddress(table.pointee.activeRoot)))
    guard task.syncRootEntry(for: VirtualAddress(UInt(address)), from: kernelSpace()) else { return false }
    tasks!.pointee.ipc.rootEntriesSynced += 1
    return true
}

/// Give back the address space of dead task `t`, if it has one and it is not
/// active (interrupts off). Called when the slot is reused and at the end.
func tearDownTask(_ t: ThreadID) {
    guard let table = tasks, table.pointee.root[t] != 0, table.pointee.root[t] != table.pointee.activeRoot,
          kernelThreads!.pointee.scheduler.state(of: t) != .running else { return }
    let freed = space(of: t).destroy(userWindow: Platform.userWindow, frames: &kernelGrowth.region!.frames)
    tasks!.pointee.tornDown += 1
    tasks!.pointee.framesFreed += freed
    tasks!.pointee.framesExpected += table.pointee.framesHeld[t]
    kputs("tasks: "); kputName(t); kputs("'s address space torn down: "); kputDecimal(UInt64(freed))
    kputs(" frames given back of "); kputDecimal(UInt64(table.pointee.framesHeld[t])); kputs(" held\n")
    tasks!.pointee.root[t] = 0
    tasks!.pointee.framesHeld[t] = 0
}

/// Check `bytes` as an ELF executable for this CPU and start it as a task
/// with `arguments`, allowed at most `memoryLimit` bytes of frames (its pages,
/// tables and stack; sbrk past it fails with `overLimit`). `prepare` runs on
/// the new thread's id before it can be scheduled (its capabilities go in
/// there). Nil, with the reason printed, if it is refused, does not fit its
/// limit, or memory runs out.
func startTask(_ name: UnsafeRawBufferPointer, _ bytes: UnsafeRawBufferPointer, priority: Int, arguments: (UInt, UInt),
               memoryLimit: UInt64 = 4 << 20, prepare: (ThreadID) -> Void = { _ in }) -> ThreadID? {
    // Segments go below the stack's guard page, never over the stack.
    let target = ELFImage.Target(machine: Platform.elfMachine, is64: MemoryLayout<UInt>.size == 8,
                                 window: userLayout.loadWindow, pageSize: Platform.Format.pageSize)
    let image: ELFImage
    switch ELFImage.parse(bytes.baseAddress!, count: bytes.count, for: target) {
    case .success(let i): image = i
    case .failure(let e):
        kputs("tasks: image "); kputRaw(name); kputs(" refused: "); reportELFProblem(e); kputs("\n")
        return nil
    }
    let built: (AddressSpace<Platform>, UInt, Int)? = withInterruptsOff {
        let framesBefore = kernelGrowth.region!.frames.freeFrames
        guard let task = AddressSpace(arch: Platform(), frames: &kernelGrowth.region!.frames) else { return nil }
        task.shareRootEntries(from: kernelSpace(), except: Platform.userWindow)
        let pageSize = UInt(Platform.Format.pageSize)
        let stackTop = userLayout.stackTop
        var complete = true
        for i in 0..<image.segmentCount where complete { complete = mapSegment(image.segments[i], bytes, task) }
        for n in 1...TaskTable.stackPages where complete {
            complete = mapFresh(Page(VirtualAddress(stackTop - UInt(n) * pageSize)), [.user, .writable], task) != nil
        }
        if !complete {   // out of frames part way: give back what was built
            _ = task.destroy(userWindow: Platform.userWindow, frames: &kernelGrowth.region!.frames)
            return nil
        }
        return (task, stackTop, framesBefore - kernelGrowth.region!.frames.freeFrames)
    }
    guard let (task, stackTop, held) = built else {
        kputs("tasks: out of memory loading "); kputRaw(name); kputs("; nothing of it is kept\n")
        return nil
    }
    let limit = Int(memoryLimit / Platform.Format.pageSize)
    if held > limit {
        kputs("tasks: "); kputRaw(name); kputs(" needs "); kputSize(UInt64(held) * Platform.Format.pageSize)
        kputs(" to load, over its limit of "); kputSize(memoryLimit); kputs("; not started\n")
        withInterruptsOff { _ = task.destroy(userWindow: Platform.userWindow, frames: &kernelGrowth.region!.frames) }
        return nil
    }
    let entry = UInt(image.entry)
    // Runs with interrupts off, before the new thread can be scheduled: a slot
    // reused from a dead task must never run for a moment with the old root.
    let t = spawn(name, priority: priority, body: nil, argument: 0, makeContext: { t, kernelTop in
        let pageSize = UInt64(Platform.Format.pageSize)
        tasks!.pointee.root[t] = task.root.start.raw
        tasks!.pointee.brk[t] = UInt(alignUp(image.end, pageSize))
        tasks!.pointee.ipc.threadStarted(t)
        tasks!.pointee.midLine[t] = 0
        tasks!.pointee.framesHeld[t] = held
        tasks!.pointee.frameLimit[t] = limit
        prepare(t)
        return Platform.initialUserContext(area: kernelThreads!.pointee.area(t), kernelStackTop: kernelTop, entry: entry,
                                           userStack: stackTop, arguments: arguments)
    })
    if t == nil { withInterruptsOff { _ = task.destroy(userWindow: Platform.userWindow, frames: &kernelGrowth.region!.frames) } }
    return t
}

/// Map one checked segment: fresh zeroed frames, the file's bytes copied in.
private func mapSegment(_ s: ELFSegment, _ file: UnsafeRawBufferPointer, _ task: AddressSpace<Platform>) -> Bool {
    let pageSize = Platform.Format.pageSize
    var attributes: PageAttributes = [.user]
    if s.writable { attributes.insert(.writable) }
    if s.executable { attributes.insert(.executable) }
    var page = alignDown(s.virtualAddress, pageSize)
    while page < s.virtualAddress + s.memorySize {
        guard let frame = mapFresh(Page(VirtualAddress(UInt(page))), attributes, task) else { return false }
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
func mapFresh(_ page: Page, _ attributes: PageAttributes, _ task: AddressSpace<Platform>) -> Frame? {
    guard let frame = kernelGrowth.region!.frames.allocate() else { return nil }
    task.zero(frame)
    var tables = tasks!.pointee.tables
    let error = task.map(page, to: frame, attributes, tables: &tables, frames: &kernelGrowth.region!.frames)
    tasks!.pointee.tables = tables
    if error != nil { _ = kernelGrowth.region!.frames.free(frame); return nil }
    return frame
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
