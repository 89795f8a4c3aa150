// The system the kernel boots: the programs the build embedded (from the
// manifest, User/*.manifest, by ci/manifest.py) and init, the one task the
// kernel starts itself. Init holds the control capability; through it alone
// it makes endpoints, starts the manifest's tasks, stops them and learns how
// each ended. When init ends the kernel prints the summary line and powers off.

@_extern(c, "user_programs") func userProgramsSymbol()

/// The embedded programs: a count, then per program (name, start, end), init first.
enum Programs {
    private static var table: UnsafePointer<UInt> {
        unsafeBitCast(userProgramsSymbol as @convention(c) () -> Void, to: UnsafePointer<UInt>.self)
    }
    static var count: Int { Int(table[0]) }
    static func bytes(_ i: Int) -> UnsafeRawBufferPointer {
        let start = table[2 + 3 * i], end = table[3 + 3 * i]
        return UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: start), count: Int(end - start))
    }
    /// The program's name, NUL-terminated in the table.
    static func name(_ i: Int) -> UnsafeRawBufferPointer {
        let p = UnsafePointer<UInt8>(bitPattern: table[1 + 3 * i])!
        var n = 0
        while p[n] != 0 { n += 1 }
        return UnsafeRawBufferPointer(start: p, count: n)
    }
    /// The index of the program called `name`, if embedded.
    static func find(_ name: StaticString) -> Int? {
        for i in 0..<count {
            let n = Programs.name(i)
            if n.count == name.utf8CodeUnitCount && (0..<n.count).allSatisfy({ n[$0] == name.utf8Start[$0] }) { return i }
        }
        return nil
    }
}

/// The slot of init's control capability, and its priority (above every task it starts).
let initControlSlot = 0
let initPriority = Scheduler.priorities - 1

/// What the kernel keeps about the system's tasks: init, who started whom
/// and the ends not yet collected (Lineage, over the thread records).
struct SystemState {
    var initThread: ThreadID = -1
    var lineage: Lineage
    var started = 0
}

/// Start init from the embedded programs, with the control capability in its slot 0.
func startInit(_ k: inout KernelState) {
    guard Programs.count > 0, let i = Programs.find("init") else { kernelPanic("system: no init program embedded") }
    guard
        let t = try? startTask(
            &k, Programs.name(i), Programs.bytes(i), priority: initPriority,
            arguments: (UInt(Programs.count), 0), memoryLimit: 4 << 20,
            prepare: { k, t in
                // A fresh slot's table is empty, so the control capability lands.
                try? k.tasks.ipc.core.caps.install(Capability(object: .control, rights: .all, badge: 0), in: t, at: initControlSlot)
            })
    else { kernelPanic("system: init did not start") }
    k.system.initThread = t
    kputs("system: init started as task "); kputDecimal(UInt64(t)); kputs(" with "); kputDecimal(UInt64(Programs.count))
    kputs(" programs embedded\n")
}

/// spawn: copy the request in, check it whole, then start the task with its capabilities.
func spawnRequested(_ k: inout KernelState, _ trap: SavedContext, _ t: ThreadID, _ address: UInt) -> SavedContext {
    var words = InlineArray<43, UInt>(repeating: 0)
    let memory = userMemory(&k, of: t)
    let copied = withUnsafeMutablePointer(to: &words) {
        memory.copyIn(from: address, length: SpawnRequest.words * MemoryLayout<UInt>.size, into: UnsafeMutableRawPointer($0))
    }
    guard copied else { return syscallFailed(trap, .badPointer) }
    let request: SpawnRequest
    do throws(SyscallError) {
        request = try SpawnRequest.decode(
            { words[$0] }, programs: Programs.count, highest: min(Scheduler.priorities - 1, Int(k.records[t].priority)))
        // Every capability is checked before anything is made: a refused spawn changes nothing.
        var used: UInt32 = 0
        for i in 0..<request.capabilityCount {
            let c = SpawnRequest.capability({ words[$0] }, i)
            guard c.to >= 0 && c.to < CapabilitySpace.slots else { throw .badSlot }
            if used & (1 << UInt32(c.to)) != 0 { throw .slotFull }
            used |= 1 << UInt32(c.to)
            try k.tasks.ipc.core.caps.checkDerive(t, from: c.from, rights: c.rights, badge: c.badge)
        }
    } catch {
        return syscallFailed(trap, error)
    }
    var name = InlineArray<16, UInt8>(repeating: 0)
    withUnsafeBytes(of: &words) { w in for i in 0..<request.nameLength { name[i] = w[6 * MemoryLayout<UInt>.size + i] } }
    let c: ThreadID
    do throws(TaskStartFailure) {
        c = try withUnsafePointer(to: &name) { n throws(TaskStartFailure) in
            try startTask(
                &k, UnsafeRawBufferPointer(start: UnsafeRawPointer(n), count: request.nameLength), Programs.bytes(request.program),
                priority: request.priority, arguments: request.arguments, memoryLimit: UInt64(request.memoryLimit)
            ) { k, c in
                k.system.lineage.started(c, by: t)
                for i in 0..<request.capabilityCount {
                    let d = SpawnRequest.capability({ words[$0] }, i)
                    // Checked above, into distinct slots of a fresh table: each lands.
                    try? k.tasks.ipc.core.caps.derive(t, from: d.from, into: c, at: d.to, rights: d.rights, badge: d.badge)
                }
            }
        }
    } catch {
        return syscallFailed(trap, error.syscallError)
    }
    k.system.started += 1
    setSyscallResult(trap, 0, UInt(c))
    return trap
}

/// kill: end a task the caller started; it ends as `killed`.
func killRequested(_ k: inout KernelState, _ trap: SavedContext, _ t: ThreadID, _ task: Int) -> SavedContext {
    guard k.system.lineage.isLiveChild(task, of: t) else { return syscallFailed(trap, .noSuchTask) }
    kputs("tasks: "); putName(&k, task); kputs(" killed by "); putName(&k, t); kputs("\n")
    k.threads.scheduler.kill(task)
    taskEnded(&k, task, .killed, 0)
    tearDownTask(&k, task)
    setSyscallResult(trap, 0)
    return trap
}

/// wait / tryWait: the oldest end of a task the caller started, or block (or wouldBlock).
func waitRequested(_ k: inout KernelState, _ trap: SavedContext, _ t: ThreadID, blocking: Bool) -> SavedContext {
    if let end = k.system.lineage.collect(for: t) {
        setSyscallResult(trap, 0, UInt(end.child), UInt(end.how), end.value)
        return trap
    }
    if !blocking { return syscallFailed(trap, .wouldBlock) }
    k.system.lineage.willWait(t)
    let next = k.threads.scheduler.block()
    return resume(&k, from: trap, previous: t, next: next)
}

/// Task `t` is over (interrupts off): its IPC partners and capabilities are
/// released, its children are cut loose, and its parent learns how it ended
/// (now if it waits, else when it calls wait). When init ends, the system does.
func taskEnded(_ k: inout KernelState, _ t: ThreadID, _ how: TaskEnd, _ value: UInt) {
    threadGone(&k, t)
    if t == k.system.initThread { systemEnded(&k, how, value) }
    if let d = k.system.lineage.ended(t, how: UInt8(how.rawValue), value: value) {
        setSyscallResult(k.records[d.parent].context, 0, UInt(d.child), UInt(d.how), d.value)
        k.threads.scheduler.wake(d.parent)
    }
}

/// Init ended: the one summary line, and power off with its verdict.
private func systemEnded(_ k: inout KernelState, _ how: TaskEnd, _ value: UInt) -> Never {
    let passed = how == .exited && value == 0
    if !passed {
        kputs("system: init "); kputs(how == .exited ? "exited with status " : "was killed by fault ")
        kputDecimal(UInt64(value)); kputs("\n")
        kernelFail()
    }
    detachConsole(&k)  // the summary goes straight to the UART, after every byte the driver had not taken
    imageChecksAtEnd(&k)
    kputs("KERNEL OK arch="); kputs(Platform.name)
    kputs(" image="); kputs(kernelImageName)
    kputs(" strategy="); kputs(k.region.tables.name)
    kputs(" ram_mib="); kputDecimal(k.ramBytes >> 20)
    kputs(" heap_kib="); kputDecimal(UInt64(k.heap.heapBytes) >> 10)
    kputs(" tables="); kputDecimal(UInt64(k.region.tables.tablesGiven))
    kputs(" held="); kputDecimal(UInt64(k.region.tables.heldFrames))
    kputs(" tasks="); kputDecimal(UInt64(k.system.started))
    kputs(" messages="); kputDecimal(UInt64(k.tasks.ipc.delivered))
    kputs(" killed="); kputDecimal(UInt64(k.threads.killed))
    kputs(" synced="); kputDecimal(UInt64(k.tasks.ipc.rootEntriesSynced))
    imageSummaryFields(&k)
    kputs("\n")
    Platform().exit(passed: true)
}
