// libFuzzer targets for every parser of outside input, one binary; FUZZ_TARGET
// picks the target: devicetree, multiboot or elf. Each input is copied into a
// buffer of exactly its size (AddressSanitizer then catches any read past it),
// and each target checks its parser's contract, not only that it returns:
//   devicetree  every node, property, reg range (translated), the memory and
//               reserved ranges and the aarch64 device matchers; no range wraps
//   multiboot   the info and map parsed from a fake physical memory (the input),
//               then normalize and the frame allocator: regions sorted and
//               disjoint, usable ones page-aligned below the limit, every frame
//               handed out once, inside usable RAM, never the bitmap's own
//   elf         every arch's checks: accepted segments lie in the load window
//               (below the stack's guard page), inside the file, on pages of
//               their own, and the entry is in code
// Built by `make fuzz-parsers` / `make test` with -sanitize=fuzzer,address.
import Glibc

enum Target { case devicetree, multiboot, elf }

let target: Target = {
    guard let raw = getenv("FUZZ_TARGET") else { fatalError("set FUZZ_TARGET to devicetree, multiboot or elf") }
    switch String(cString: raw) {
    case "devicetree": return .devicetree
    case "multiboot": return .multiboot
    case "elf": return .elf
    default: fatalError("FUZZ_TARGET must be devicetree, multiboot or elf")
    }
}()

func violated(_ what: String) -> Never {
    print("parser fuzz: contract violated: \(what)")
    abort()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    // Exactly `count` bytes: one past the end is a red zone.
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
    defer { buffer.deallocate() }
    buffer.copyMemory(from: data, byteCount: count)
    switch target {
    case .devicetree: fuzzDeviceTree(UnsafeRawPointer(buffer), count)
    case .multiboot: fuzzMultiboot(UnsafeRawPointer(buffer), count)
    case .elf: fuzzELF(UnsafeRawPointer(buffer), count)
    }
    return 0
}

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
    if case .success(let id) = d.virtualTimer, !(16..<32).contains(id) { violated("timer interrupt \(id) is not a PPI") }
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
        if a >= limit || a % page != 0 { violated("frame \(a) outside the limit or misaligned") }
        let p = Int(a / page)
        if kinds[p] != RegionKind.usable.rawValue { violated("frame \(a) handed out from kind \(kinds[p])") }
        if seen[p] { violated("frame \(a) handed out twice") }
        seen[p] = true
        handedOut += 1
    }
    if handedOut != frames.totalFrames { violated("\(handedOut) frames handed out of \(frames.totalFrames)") }
}

func checkMap(_ map: MemoryMap, limit: UInt64, page: UInt64) {
    if map.count > MemoryMap.capacity { violated("map count past capacity") }
    for i in 0..<map.count {
        let r = map[i]
        if r.end <= r.start { violated("empty or inverted region") }
        if i > 0 && map[i - 1].end > r.start { violated("regions overlap or are out of order") }
        if r.kind == .usable && (r.start % page != 0 || r.end % page != 0 || r.end > limit) {
            violated("usable region \(r) not in whole pages below the limit")
        }
    }
}

func fuzzELF(_ bytes: UnsafeRawPointer, _ count: Int) {
    let targets = [
        ELFImage.Target(machine: 3, is64: false, window: layout(0xC000_0000, 0xD000_0000).loadWindow, pageSize: 4096),
        ELFImage.Target(machine: 183, is64: true, window: layout(0x80_0000_0000, 0x80_1000_0000).loadWindow, pageSize: 4096),
    ]
    for t in targets {
        guard let image = try? ELFImage.parse(bytes, count: count, for: t) else { continue }
        var entryInCode = false
        for i in 0..<image.segmentCount {
            let s = image.segments[i]
            if s.virtualAddress < UInt64(t.window.start.raw) || s.virtualAddress + s.memorySize > UInt64(t.window.end.raw) {
                violated("segment \(i) outside the load window (over the stack or its guard page)")
            }
            if s.fileOffset + s.fileSize > UInt64(count) { violated("segment \(i) outside the file") }
            if s.fileSize > s.memorySize { violated("segment \(i) file size past memory size") }
            if s.writable && s.executable { violated("segment \(i) writable and executable") }
            for j in 0..<i {
                let o = image.segments[j]
                let a0 = s.virtualAddress / 4096, a1 = (s.virtualAddress + s.memorySize + 4095) / 4096
                let b0 = o.virtualAddress / 4096, b1 = (o.virtualAddress + o.memorySize + 4095) / 4096
                if a0 < b1 && b0 < a1 { violated("segments \(j) and \(i) share a page") }
            }
            if s.executable && image.entry >= s.virtualAddress && image.entry < s.virtualAddress + s.memorySize { entryInCode = true }
        }
        if !entryInCode { violated("entry outside code") }
    }
}

func layout(_ start: UInt, _ end: UInt) -> UserLayout {
    UserLayout(window: VirtualRange(start: VirtualAddress(start), end: VirtualAddress(end)), stackPages: 8, pageSize: 4096)
}
