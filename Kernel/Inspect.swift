// inspect: what a holder of the control capability (with tasks) may learn of
// the system, for a shell's ps and mem. Reading only; the decode checked the
// capability and the buffer (Sources/IPC/SyscallDecode.swift).

@inline(never)
func inspectCall(_ k: inout KernelState, _ trap: SavedContext, _ t: ThreadID, _ what: InspectTarget, _ index: UInt, _ buffer: UInt)
    -> SavedContext
{
    var name = InlineArray<16, UInt8>(repeating: 0)
    var r = (UInt(0), UInt(0), UInt(0), UInt(0))
    func named(_ bytes: UnsafeRawBufferPointer) {
        for i in 0..<min(bytes.count, InspectTarget.bufferBytes) { name[i] = bytes[i] }
    }
    switch what {
    case .task:
        guard index < UInt(ThreadTable.capacity), let seen = InspectedTask.of(k.records[Int(index)]) else {
            return syscallFailed(trap, .noSuchTask)
        }
        let u = Int(index)
        var caps = 0
        for s in 0..<CapabilitySpace.slots where k.records[u].caps[s].object != .empty { caps += 1 }
        r = (
            seen.state.rawValue | seen.wait.rawValue << 8, UInt(k.records[u].priority) | UInt(Int(k.records[u].parent) + 1) << 8,
            UInt(k.records[u].memory.framesHeld), UInt(caps)
        )
        named(k.records.name(u))
    case .program:
        guard index < UInt(Programs.count) else { return syscallFailed(trap, .noSuchTask) }
        r.0 = UInt(Programs.bytes(Int(index)).count)
        named(Programs.name(Int(index)))
    case .memory:
        r = (UInt(k.frames.freeFrames), UInt(k.frames.totalFrames), k.heap.usedBytes, k.heap.heapBytes)
    case .tables:
        r.0 = UInt(k.region.tables.tablesGiven)
        r.1 = UInt(k.region.tables.heldFrames)
        let s = k.region.tables.name
        named(UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }
    let copied = withUnsafePointer(to: &name) {
        userMemory(&k, of: t).copyOut(UnsafeRawPointer($0), length: InspectTarget.bufferBytes, to: buffer)
    }
    if !copied { return syscallFailed(trap, .badPointer) }
    setSyscallResult(trap, 0, r.0, r.1, r.2, r.3)
    return trap
}
