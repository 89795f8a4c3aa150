// Regions, the kernel's half (the rules: Sources/IPC/Regions.swift): shared
// memory takes one run of frames, zeroed; a device region takes a device's
// registers or ports from the board (Sources/Boot/DeviceBoard.swift), never
// RAM and never a device the kernel keeps; `map` puts a region into the
// caller's map window as borrowed pages, so that its teardown drops them
// without freeing them; the frames of a memory region go back when its last
// capability and its last mapping are gone (drainRegions).

/// A new shared-memory region of `bytes` (rounded up to whole pages) in `t`'s
/// empty `slot`. outOfMemory: no run of free frames that long.
func createMemoryRegion(_ k: inout KernelState, _ t: ThreadID, into slot: Int, bytes: UInt) throws(SyscallError) {
    let page = Platform.Format.pageSize
    guard bytes > 0, bytes <= userLayout.mapWindow.bytes else { throw .badRequest }  // more could never be mapped
    let pages = Int((UInt64(bytes) + page - 1) / page)
    try k.tasks.ipc.core.caps.checkEmpty(t, slot)
    guard let first = k.frames.allocateContiguous(pages) else { throw .outOfMemory }
    for i in 0..<pages { k.space.zero(Frame(first.start.adding(UInt64(i) * page))) }
    do throws(SyscallError) {
        try k.tasks.ipc.core.createRegion(t, into: slot, .memory, base: first.start.raw, size: UInt64(pages) * page)
    } catch {
        freeRun(&k, first.start.raw, pages)  // refused before the object was made: nothing else holds them
        throw error
    }
}

/// A new region for the `index`-th register (or port) range of the device at
/// the `length` bytes of `path` in `t`'s memory, in `t`'s empty `slot`.
func createDeviceRegion(_ k: inout KernelState, _ t: ThreadID, into slot: Int, path: UInt, length: Int, index: Int)
    throws(SyscallError)
{
    let range: BoardRange
    do throws(BoardRefusal) {
        range = try withDevicePath(&k, t, path, length) { p throws(BoardRefusal) in try Platform.deviceRange(path: p, index: index) }
    } catch {
        throw error == .noDevice ? .noDevice : .kernelOwned
    }
    switch range {
    case .registers(let base, let bytes):
        let page = Platform.Format.pageSize
        let start = base & ~(page - 1), end = (base + bytes + page - 1) & ~(page - 1)
        if k.devices.meetsKernelDevice(start, end - start) { throw .kernelOwned }
        try k.tasks.ipc.core.createRegion(t, into: slot, .device, base: start, size: end - start)
    case .ports(let first, let count):
        try k.tasks.ipc.core.createRegion(t, into: slot, .ports, base: first, size: count)
    }
}

/// The controller's line for the `index`-th interrupt of the device at `path`.
func deviceLine(_ k: inout KernelState, _ t: ThreadID, path: UInt, length: Int, index: Int) throws(SyscallError) -> UInt32 {
    do throws(BoardRefusal) {
        return try withDevicePath(&k, t, path, length) { p throws(BoardRefusal) in try Platform.deviceLine(path: p, index: index) }
    } catch {
        throw .noDevice
    }
}

/// Map region `r` into `t` at `address` (0: the next free place in its map
/// window), writable if asked (the rights were checked). Returns the address.
/// Memory pages are never executable; device pages are also uncached.
func mapRegion(_ k: inout KernelState, _ t: ThreadID, _ r: Int, at address: UInt, writable: Bool) throws(SyscallError) -> UInt {
    guard let region = k.tasks.ipc.core.regions.record(r) else { throw .wrongType }
    if region.space == .ports { throw .wrongType }
    var place = -1
    for i in 0..<TaskMemory.regionSlots where place < 0 && k.records[t].memory.regions[i] < 0 { place = i }
    if place < 0 { throw .noResources }
    let at = address != 0 ? address : max(k.records[t].memory.nextMap, userLayout.mapWindow.start.raw)
    let bytes = UInt(region.size)
    guard userLayout.fitsMapWindow(at, bytes) else { throw address != 0 ? .badRequest : .noResources }
    var attributes: PageAttributes = [.user, .borrowed]
    if writable { attributes.insert(.writable) }
    if region.space == .device { attributes.insert(.device) }
    let s = space(&k, of: t)
    let page = UInt(Platform.Format.pageSize)
    var done: UInt = 0
    while done < bytes {
        do throws(MapError) {
            try s.map(
                Page(VirtualAddress(at + done)), to: Frame(PhysicalAddress(region.base + UInt64(done))), attributes,
                tables: &k.tasks.tables, frames: &k.frames)
        } catch {
            var undo: UInt = 0
            while undo < done { _ = s.unmap(Page(VirtualAddress(at + undo))); undo += page }
            throw error == .alreadyMapped ? .busy : .outOfMemory
        }
        done += page
    }
    // The new pages (and any tables taken for them) before the task's next access.
    Platform().publishNewMappings()
    k.records[t].memory.framesHeld = s.framesHeld(userWindow: Platform.userWindow)
    k.records[t].memory.regions[place] = Int8(r)
    k.tasks.ipc.core.regions.mapped(r)
    if at + bytes > k.records[t].memory.nextMap { k.records[t].memory.nextMap = at + bytes + page }  // an unmapped page between
    return at
}

/// `t`'s address space is being torn down: its mappings no longer hold their regions.
func unmapRegions(_ k: inout KernelState, of t: ThreadID) {
    for i in 0..<TaskMemory.regionSlots where k.records[t].memory.regions[i] >= 0 {
        k.tasks.ipc.core.regions.unmapped(Int(k.records[t].memory.regions[i]))
        k.records[t].memory.regions[i] = -1
    }
    drainRegions(&k)
}

/// Give back the frames of every memory region nobody holds any more.
func drainRegions(_ k: inout KernelState) {
    while let (r, record) = k.tasks.ipc.core.regions.nextDraining() {
        let pages = Int(record.size / Platform.Format.pageSize)
        freeRun(&k, record.base, pages)
        k.tasks.ipc.core.regions.drained(r)
        k.tasks.regionFramesFreed += pages
        kputs("regions: region "); kputDecimal(UInt64(r)); kputs("'s "); kputDecimal(UInt64(pages))
        kputs(" frames given back: no capability or mapping of it is left\n")
    }
}

/// Read or write `width` bytes at port `offset` of port region `r`.
func portAccess(_ k: inout KernelState, _ r: Int, offset: UInt, width: Int, write value: UInt?) throws(SyscallError) -> UInt {
    guard let region = k.tasks.ipc.core.regions.record(r), region.space == .ports else { throw .wrongType }
    guard UInt64(offset) < region.size, UInt64(width) <= region.size - UInt64(offset) else { throw .badRequest }
    let port = UInt16(truncatingIfNeeded: region.base + UInt64(offset))
    if let v = value {
        Platform.portWrite(port, width: width, UInt32(truncatingIfNeeded: v))
        return 0
    }
    return UInt(Platform.portRead(port, width: width))
}

/// `body` with the device path copied in from `t`'s memory (the decoder checked it).
private func withDevicePath<R>(
    _ k: inout KernelState, _ t: ThreadID, _ path: UInt, _ length: Int, _ body: (ByteString) throws(BoardRefusal) -> R
) throws(BoardRefusal) -> R {
    var text = InlineArray<64, UInt8>(repeating: 0)
    let copied = withUnsafeMutablePointer(to: &text) { userMemory(&k, of: t).copyIn(from: path, length: length, into: $0) }
    if !copied { throw .noDevice }
    return try withUnsafePointer(to: &text) { p throws(BoardRefusal) in
        try body(ByteString(base: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: length))
    }
}

private func freeRun(_ k: inout KernelState, _ base: UInt64, _ pages: Int) {
    for i in 0..<pages {
        do throws(FrameFreeError) { try k.frames.free(Frame(PhysicalAddress(base + UInt64(i) * Platform.Format.pageSize))) } catch {
            kernelPanic("regions: a region's frame was not the kernel's to free")
        }
    }
}
