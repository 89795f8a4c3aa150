// The contract each parser of outside input must keep, checked on one input:
// shared by the libFuzzer harness (main.swift, the host's 64-bit build) and
// the 32-bit replay (Fuzz/Parsers32, the parsers as the i386 kernel builds
// them), so both check the same things. Embedded-safe: no String, no
// interpolation; `violated(what, value)` is each harness's own.
//   devicetree  every node, property, reg range (translated), the memory and
//               reserved ranges and every arch's device matchers; no range wraps
//   multiboot   the info and map parsed from a fake physical memory (the input),
//               then normalize and the frame allocator: regions sorted and
//               disjoint, usable ones page-aligned below the limit, every frame
//               handed out once, inside usable RAM, never the bitmap's own
//   elf         every arch's checks: accepted segments lie in the load window
//               (below the stack's guard page), inside the file, on pages of
//               their own, and the entry is in code

func fuzzDeviceTree(_ blob: UnsafeRawPointer, _ count: Int) {
    guard let tree = try? DeviceTree.open(blob, available: count) else { return }
    if tree.totalSize > UInt64(count) { violated("tree larger than the blob") }
    var nodes = 0
    tree.forEachNode { n in
        nodes += 1
        _ = n.isEnabled; _ = n.phandle; _ = n.isCompatible("arm,pl011")
        _ = n.property("compatible"); _ = n.childAddressCells; _ = n.childSizeCells
        for i in 0..<min(n.regCount, 16) {
            if let r = n.reg(i), r.size > UInt64.max - r.address { violated("reg range wraps") }
        }
        return nodes < 4096
    }
    var total: UInt64 = 0
    let ranges = tree.forEachMemoryRange { start, size in
        if size == 0 { violated("an empty memory range reported") }
        if size > UInt64.max - start { violated("memory range wraps") }
        total &+= size
    }
    if ranges > 0 && total == 0 { violated("memory ranges with no bytes") }
    tree.forEachReservedMemory { start, size in if size > UInt64.max - start { violated("reserved range wraps") } }
    tree.forEachReservation { start, size in if size > UInt64.max - start { violated("reservation wraps") } }
    _ = tree.bootargs
    _ = tree.stdoutNode
    _ = tree.node(atPath: ByteString(staticString: "/soc/serial@0"))
    // Every backend's device matchers (Arch/*/Devices) run on the same tree.
    let d = AArch64Devices.find(in: tree)
    if case .success(let id) = d.virtualTimer, !(16..<32).contains(id) { violated("timer interrupt is not a PPI", UInt64(id)) }
    let hart = UInt64(count % 4)
    let r = RISCV64Devices.find(in: tree, bootHart: hart)
    for region in [r.uart, r.testDevice, r.plic] {
        if let m = region, m.end < m.start { violated("a riscv64 device region wraps") }
    }
    if r.harts < 0 || (r.bootHartFound && r.harts == 0) { violated("the boot hart found among no harts") }
    if r.bootHartHasSv39 && !r.bootHartFound { violated("Sv39 claimed for a boot hart that was not found") }
}

/// The input is physical memory from address 0; the Multiboot info is at 0.
func fuzzMultiboot(_ memory: UnsafeRawPointer, _ count: Int) {
    var map = MemoryMap()
    let info = MultibootInfo(info: 0, into: &map) { address, length in
        length >= 0 && address <= UInt64(count) && UInt64(length) <= UInt64(count) - address ? memory + Int(address) : nil
    }
    if info.commandLine.count > 0 {
        let start = UnsafeRawPointer(info.commandLine.base!) - memory
        if start < 0 || start + info.commandLine.count >= count { violated("command line outside the memory") }
    }
    let limit: UInt64 = 16 << 20  // like a direct map's end, small enough that every frame is checked
    let page: UInt64 = 4096
    map.reserve(start: 0, end: page, kind: .reserved)
    map.normalize(pageSize: page, limit: limit)
    checkMap(map, limit: limit, page: page)
    // The bitmap is written through `reach`: give it scratch memory whatever the address.
    let scratch = UnsafeMutableRawPointer.allocate(byteCount: 1 << 17, alignment: 4096)
    defer { scratch.deallocate() }
    guard var frames = try? FrameAllocator(map: &map, pageSize: page, reach: { _ in scratch }) else { return }
    checkMap(map, limit: limit, page: page)
    // Each page's kind, then one pass over what the allocator hands out.
    let pages = Int(limit / page)
    var kinds = [UInt8](repeating: 0xFF, count: pages)
    for i in 0..<map.count where map[i].start < limit {
        for p in Int(map[i].start / page)..<Int((min(map[i].end, limit) + page - 1) / page) { kinds[p] = map[i].kind.rawValue }
    }
    var seen = [Bool](repeating: false, count: pages)
    var handedOut = 0
    while let f = frames.allocate() {
        let a = f.start.raw
        if a >= limit || a % page != 0 { violated("frame outside the limit or misaligned", a) }
        let p = Int(a / page)
        if kinds[p] != RegionKind.usable.rawValue { violated("frame handed out from a kind other than usable", a) }
        if seen[p] { violated("frame handed out twice", a) }
        seen[p] = true
        handedOut += 1
    }
    if handedOut != frames.totalFrames { violated("not every frame handed out once", UInt64(handedOut)) }
}

func checkMap(_ map: MemoryMap, limit: UInt64, page: UInt64) {
    if map.count > MemoryMap.capacity { violated("map count past capacity") }
    for i in 0..<map.count {
        let r = map[i]
        if r.end <= r.start { violated("empty or inverted region") }
        if i > 0 && map[i - 1].end > r.start { violated("regions overlap or are out of order") }
        if r.kind == .usable && (r.start % page != 0 || r.end % page != 0 || r.end > limit) {
            violated("usable region not in whole pages below the limit", r.start)
        }
    }
}

func fuzzELF(_ bytes: UnsafeRawPointer, _ count: Int) {
    #if arch(i386)
        // Built for i386 (make test-fuzz-parsers32): the 32-bit kernel's own target.
        let targets = [ELFImage.Target(machine: 3, is64: false, window: layout(0xC000_0000, 0xD000_0000).loadWindow, pageSize: 4096)]
    #else
        let targets = [
            ELFImage.Target(machine: 3, is64: false, window: layout(0xC000_0000, 0xD000_0000).loadWindow, pageSize: 4096),
            ELFImage.Target(machine: 183, is64: true, window: layout(0x80_0000_0000, 0x80_1000_0000).loadWindow, pageSize: 4096),
        ]
    #endif
    for t in targets {
        guard let image = try? ELFImage.parse(bytes, count: count, for: t) else { continue }
        var entryInCode = false
        for i in 0..<image.segmentCount {
            let s = image.segments[i]
            if s.virtualAddress < UInt64(t.window.start.raw) || s.virtualAddress + s.memorySize > UInt64(t.window.end.raw) {
                violated("segment outside the load window (over the stack or its guard page)", UInt64(i))
            }
            if s.fileOffset + s.fileSize > UInt64(count) { violated("segment outside the file", UInt64(i)) }
            if s.fileSize > s.memorySize { violated("segment file size past memory size", UInt64(i)) }
            if s.writable && s.executable { violated("segment writable and executable", UInt64(i)) }
            for j in 0..<i {
                let o = image.segments[j]
                let a0 = s.virtualAddress / 4096, a1 = (s.virtualAddress + s.memorySize + 4095) / 4096
                let b0 = o.virtualAddress / 4096, b1 = (o.virtualAddress + o.memorySize + 4095) / 4096
                if a0 < b1 && b0 < a1 { violated("two segments share a page", UInt64(i)) }
            }
            if s.executable && image.entry >= s.virtualAddress && image.entry < s.virtualAddress + s.memorySize { entryInCode = true }
        }
        if !entryInCode { violated("entry outside code") }
    }
}

func layout(_ start: UInt, _ end: UInt) -> UserLayout {
    UserLayout(window: VirtualRange(start: VirtualAddress(start), end: VirtualAddress(end)), stackPages: 8, pageSize: 4096)
}
