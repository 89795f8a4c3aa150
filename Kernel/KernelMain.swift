// The arch-independent boot sequence, after a backend has collected its boot
// information: memory map, frame allocator, kernel address space (the direct
// map), the heap region with the chosen table strategy, threads and tasks;
// then init, the one task the kernel starts (System.swift). After that the
// boot flow is the idle thread. The image's hooks (Kernel/Images/*) are the
// only other code on this path: nothing in the default image, the in-kernel
// checks in the test image.

let defaultStrategy: StaticString = "spare"

func kernelMain(_ arch: Platform, _ boot: inout BootInfo) -> Never {
    kputs("\nswift-microkernel: Embedded Swift on "); kputs(Platform.name); kputs("\n")
    kputs("command line: \""); kputBytes(boot.commandLine); kputs("\"\n")
    verifyInt64Helpers()

    let pageSize = Platform.Format.pageSize
    if boot.map.lostReservation {
        kputs("memory: a reservation did not fit the boot memory map ("); kputDecimal(UInt64(MemoryMap.capacity))
        kputs(" regions); refusing the map rather than hand out reserved memory as free\n")
        kernelFail()
    }
    let unreachable = boot.map.normalize(pageSize: pageSize, limit: Platform.directMapLimit)
    if boot.map.overflowed {
        kputs("memory: the boot memory map has more regions than the kernel holds ("); kputDecimal(UInt64(MemoryMap.capacity))
        kputs("); refusing it rather than guessing\n")
        kernelFail()
    }
    var frames: FrameAllocator
    do throws(FrameAllocatorError) {
        frames = try FrameAllocator(map: &boot.map, pageSize: pageSize, reach: { arch.pointer(to: $0) })
    } catch {
        switch error {
        case .noUsableRAM: kputs("memory: no usable RAM in the boot memory map\n")
        case .noRoomForBitmap(let bytes): kputs("memory: no usable region holds the frame bitmap ("); kputSize(bytes); kputs(")\n")
        case .mapFull:
            kputs("memory: the boot memory map is too fragmented to record the frame bitmap ("); kputDecimal(UInt64(boot.map.count))
            kputs(" regions); refusing it rather than risk handing out the bitmap's own frames\n")
        }
        kernelFail()
    }
    printMemoryMap(boot.map)
    if unreachable > 0 {
        kputs("memory: "); kputSize(unreachable); kputs(" of RAM at or above "); kputHex(Platform.directMapLimit)
        kputs(" is not used: the kernel reaches physical memory through its direct map, which ends there\n")
    }
    kputs("frames: "); kputDecimal(UInt64(frames.freeFrames)); kputs(" free of ")
    kputDecimal(UInt64(frames.totalFrames)); kputs(" ("); kputSize(UInt64(frames.freeFrames) * pageSize); kputs(")\n")
    let tables = chooseStrategy(boot.commandLine)
    checkBootBudget(boot, tables, freeFrames: frames.freeFrames)

    guard let space = AddressSpace(arch: arch, frames: &frames) else { kernelPanic("no frame for the root page table") }
    let directTables = mapKernel(space, boot, &frames)
    arch.activate(root: space.root)
    kputs("paging: on, root table at "); kputHex(space.root.start.raw)
    kputs(", direct map built with "); kputDecimal(UInt64(directTables)); kputs(" tables\n")

    imageChecksAfterPaging(boot)
    let before = frames.freeFrames
    // Task roots will copy the kernel's root entries: tables named from the root stay when the heap shrinks.
    var region = HeapRegion(space: space, tables: tables, window: Platform.heapWindow, frames: &frames, rootShared: true)
    kputs("strategy: "); kputs(region.tables.name); kputs(" (tables installed at boot: ")
    kputDecimal(UInt64(region.tables.tablesGiven)); kputs(", frames held: "); kputDecimal(UInt64(region.tables.heldFrames))
    kputs(", frames spent: "); kputDecimal(UInt64(before - frames.freeFrames)); kputs(")\n")
    if !region.prepared { kputs("strategy: could not take all it wanted at boot; growth will stop early\n") }
    kputs("heap window: "); kputHex(UInt64(Platform.heapWindow.start.raw)); kputs("-")
    kputHex(UInt64(Platform.heapWindow.end.raw)); kputs("\n")

    var heap = Heap(debug: heapDebugBuild)
    if heapDebugBuild { kputs("heap: debug build (magic, canary and poison checks)\n") }
    // From here the kernel's state is one value, reached through withKernel.
    assembleKernel(
        frames: &frames, space: space, region: &region, heap: &heap, ramBytes: boot.map.usableBytes, devices: boot.devices)
    imageChecksAfterHeap(boot)
    guard startTimer(hz: timerRate) else { kernelPanic("threads: no timer, so no preemption") }
    kputs("threads: timer at "); kputDecimal(UInt64(timerHz)); kputs(" Hz, quantum "); kputDecimal(quantumTicks); kputs(" ticks\n")
    imageChecksBeforeInit(boot)
    withKernel { startInit(&$0) }
    // From here the boot flow is the idle thread: it gives the CPU to init at
    // once (not at the next tick), and after that runs only when nothing else is ready.
    while true {
        Platform.schedulerCall(SchedulerRequest.yield.rawValue, 0)
        if !withKernel({ $0.threads.scheduler.anyReady }) { Platform.waitForInterrupt() }
    }
}

/// The timer's rate and the scheduler's time slice.
let timerRate: UInt32 = 100
let quantumTicks: UInt64 = 2

/// The smallest heap this boot runs with: the self-test's Swift objects need it
/// (measured: i386 boots with 1446 free frames and traps with 1382).
let bootHeapMinimum: UInt64 = 3840 << 10
/// Frames set aside before the self-test for the threads and tasks after it.
let framesSetAside = 512

/// Refuse a machine with too little RAM before the first frame is taken, with
/// what the boot needs and what there is, instead of failing half way.
func checkBootBudget(_ boot: BootInfo, _ strategy: TableStrategy, freeFrames: Int) {
    let b = BootBudget.make(
        Platform.Format.self, boot: boot, directLimit: Platform.directMapLimit, strategy: strategy,
        heapWindow: Platform.heapWindow, heapBytes: bootHeapMinimum, setAside: framesSetAside)
    if freeFrames >= b.frames { return }
    let page = Platform.Format.pageSize
    kputs("memory: too little RAM to boot: the boot needs "); kputSize(UInt64(b.frames) * page)
    kputs(" of free frames and there are "); kputSize(UInt64(freeFrames) * page)
    kputs(" (after the kernel image and the frame bitmap)\n")
    kputs("memory: needed: page tables "); kputSize(UInt64(b.rootTables + b.directMapTables + b.heapTables) * page)
    kputs(" (root, direct map, heap under "); kputs(strategy.name); kputs("), frames set aside for threads and tasks ")
    kputSize(UInt64(b.setAside) * page); kputs(", smallest heap "); kputSize(UInt64(b.heapPages) * page); kputs("\n")
    kernelFail()
}

/// Identity-map every region the memory map names (not page 0) and the device
/// registers; returns the number of tables this took.
func mapKernel(_ space: AddressSpace<Platform>, _ boot: BootInfo, _ frames: inout FrameAllocator) -> Int {
    var tables = DirectFromFrames()
    for i in 0..<boot.map.count where boot.map[i].kind != .guardPage {
        let r = boot.map[i]
        // W^X: kernel code read-only and executable, everything else writable and not.
        let attributes =
            r.kind == .kernelCode
            ? PageAttributes(rawValue: PageAttributes.global.rawValue | PageAttributes.executable.rawValue)
            : PageAttributes.kernelData
        identityMap(space, r, attributes, &tables, &frames)
    }
    for i in 0..<boot.devices.count {
        identityMap(
            space, boot.devices[i], PageAttributes(rawValue: PageAttributes.writable.rawValue | PageAttributes.device.rawValue),
            &tables, &frames)
    }
    return tables.tablesGiven
}

/// Map [r.start, r.end) to itself: the largest leaf the format has wherever
/// the range and its alignment allow one (1 GiB, then 2 MiB on aarch64 and
/// riscv64), 4 KiB pages at the ragged edges. One walk and one invalidation
/// per leaf, so the boot's cost grows with the number of leaves, not of pages.
private func identityMap(
    _ space: AddressSpace<Platform>, _ r: MemoryRegion, _ attributes: PageAttributes,
    _ tables: inout DirectFromFrames, _ frames: inout FrameAllocator
) {
    typealias F = Platform.Format
    var a = max(alignDown(r.start, F.pageSize), F.pageSize)
    let end = alignUp(r.end, F.pageSize, notPast: Platform.directMapLimit)  // a reservation may end at 2^64 - 1
    // The highest level with a large leaf for these attributes (0: pages only), found once.
    var top = 0
    for l in 1..<F.levels where F.encodeBlock(PhysicalAddress(0), attributes, level: l) != nil { top = l }
    while a < end {
        var level = top
        while level > 0 && (a % F.entrySpan(level: level) != 0 || end - a < F.entrySpan(level: level)) { level -= 1 }
        if level == 0 {
            // Pages up to the next boundary a block could start at (or the end).
            let next = top > 0 ? alignUp(a + 1, F.entrySpan(level: 1), notPast: end) : end
            identityMapPages(space, from: a, to: next, attributes, &tables, &frames)
            a = next
            continue
        }
        let span = F.entrySpan(level: level)
        do throws(MapError) {
            try space.mapBlock(VirtualAddress(UInt(a)), level: level, to: PhysicalAddress(a), attributes, tables: &tables, frames: &frames)
        } catch {
            if error == .noTableFrame { kernelPanic("out of frames while building the direct map") }
            // Something is mapped inside already (a device window over RAM): the rest page by page.
            identityMapPages(space, from: a, to: a + span, attributes, &tables, &frames)
        }
        a += span
    }
}

/// [from, to) to itself in pages: the loop the boot spends its time in when no
/// block fits, kept on its own so that the mapper inlines into it.
private func identityMapPages(
    _ space: AddressSpace<Platform>, from: UInt64, to end: UInt64, _ attributes: PageAttributes,
    _ tables: inout DirectFromFrames, _ frames: inout FrameAllocator
) {
    let pageSize = Platform.Format.pageSize
    var a = from
    while a < end {
        do throws(MapError) {
            try space.map(Page(VirtualAddress(UInt(a))), to: Frame(PhysicalAddress(a)), attributes, tables: &tables, frames: &frames)
        } catch {
            if error == .noTableFrame { kernelPanic("out of frames while building the direct map") }
        }
        a += pageSize
    }
}

/// The `pt=` value from the command line; a bad one is reported and the default used.
func chooseStrategy(_ commandLine: ByteString) -> TableStrategy {
    let levels = Platform.Format.levels
    guard let value = commandLine.value(of: "pt") else {
        return TableStrategy.parse(ByteString(cString: defaultStrategy.utf8Start, limit: 16), levels: levels)!
    }
    if let s = TableStrategy.parse(value, levels: levels) { return s }
    kputs("strategy: unknown pt=\""); kputBytes(value); kputs("\"; valid values: "); kputs(TableStrategy.valid)
    kputs("; using "); kputs(defaultStrategy); kputs("\n")
    return TableStrategy.parse(ByteString(cString: defaultStrategy.utf8Start, limit: 16), levels: levels)!
}

func printMemoryMap(_ map: MemoryMap) {
    kputs("memory map:\n")
    for i in 0..<map.count {
        let r = map[i]
        kputs("  "); kputHex(r.start); kputs("-"); kputHex(r.end); kputs(" ")
        switch r.kind {
        case .usable: kputs("usable")
        case .acpiReclaimable: kputs("ACPI reclaimable")
        case .acpiNonVolatile: kputs("ACPI NVS")
        case .reserved: kputs("reserved")
        case .defective: kputs("defective")
        case .bootInfo: kputs("boot info")
        case .kernelImage: kputs("kernel data")
        case .kernelCode: kputs("kernel code")
        case .guardPage: kputs("guard page (unmapped)")
        }
        kputs(" ("); kputSize(r.bytes); kputs(")\n")
    }
}
