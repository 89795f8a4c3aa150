// What was wrong with the boot information, in words. The parsers (Sources/Boot)
// are arch-independent, and so are their reports: any backend that boots with
// Multiboot or a device tree uses these.

func reportMultibootProblem(_ p: MultibootProblem) {
    kputs("boot: bad Multiboot info: ")
    switch p {
    case .unreadableInfo: kputs("the info structure is unreadable")
    case .noMemoryInformation: kputs("no memory information at all")
    case .mapTooLong(let n): kputs("memory map length "); kputDecimal(UInt64(n)); kputs(" is implausible")
    case .unreadableMap: kputs("the memory map is unreadable")
    case .badEntrySize(let i, let size): kputs("map entry "); kputDecimal(UInt64(i)); kputs(" has size "); kputDecimal(UInt64(size))
    case .entryWraps(let i): kputs("map entry "); kputDecimal(UInt64(i)); kputs(" wraps past 2^64")
    case .tooManyEntries: kputs("more map entries than the boot memory map holds; the usable ones past it are not used")
    case .commandLineUnterminated:
        kputs("the command line has no end within "); kputDecimal(UInt64(MultibootInfo.commandLineLimit))
        kputs(" readable bytes; it is not used")
    }
    kputs("\n")
}

func reportDeviceTreeProblem(_ e: DeviceTreeError, at address: UInt64) {
    kputs("boot: bad device tree at "); kputHex(address); kputs(": ")
    switch e {
    case .unreadable: kputs("too short to hold a header")
    case .badMagic(let m): kputs("magic "); kputHex(UInt64(m)); kputs(", want 0xd00dfeed")
    case .badSize(let n): kputs("total size "); kputDecimal(UInt64(n)); kputs(" is implausible")
    case .unsupportedVersion(let v): kputs("version "); kputDecimal(UInt64(v)); kputs(" is not supported")
    case .blockOutOfBounds: kputs("a block lies outside the blob")
    case .truncated(let o): kputs("truncated at offset "); kputDecimal(UInt64(o))
    case .badToken(let t, let o): kputs("bad token "); kputHex(UInt64(t)); kputs(" at offset "); kputDecimal(UInt64(o))
    case .tooDeep: kputs("nodes nested too deep")
    case .noMemory: kputs("no memory described (no /memory node with a non-empty range): RAM size unknown, and it will not be guessed")
    }
    kputs("\n")
}

/// The boot device tree, kept for the devices tasks are given (its blob is
/// reserved, so it stays readable through the direct map). Nil on i386.
var bootDeviceTree: DeviceTree? = nil

/// The device tree at `address` (as the boot code found it), or nil with the
/// reason printed: `missing` when there is no address, else what is wrong with it.
/// The tree opened is kept as `bootDeviceTree`.
func openBootDeviceTree(at address: UInt64, missing: StaticString) -> DeviceTree? {
    guard address != 0, let blob = UnsafeRawPointer(bitPattern: UInt(address)) else {
        kputs(missing)
        return nil
    }
    do throws(DeviceTreeError) {
        bootDeviceTree = try DeviceTree.open(blob, available: Int(DeviceTree.sizeLimit))
        return bootDeviceTree
    } catch {
        reportDeviceTreeProblem(error, at: address)
        return nil
    }
}

/// The memory a device tree describes, for any backend that boots with one:
/// the command line, every memory range, the reservations (the header's and
/// /reserved-memory's: firmware such as OpenSBI keeps its own RAM there) and
/// the blob at `address` itself, into `boot`. False, with the problem printed,
/// when the tree describes no memory.
func readDeviceTreeMemory(_ tree: DeviceTree, at address: UInt64, into boot: inout BootInfo) -> Bool {
    boot.commandLine = tree.bootargs
    var dropped: UInt64 = 0, droppedCount = 0
    let ranges = tree.forEachMemoryRange { start, size in
        do throws(MemoryMapError) { try boot.map.add(start: start, length: size, kind: .usable) } catch {
            dropped &+= size; droppedCount += 1
        }
    }
    if ranges == 0 {
        reportDeviceTreeProblem(.noMemory, at: address)
        return false
    }
    if droppedCount > 0 {
        kputs("boot: "); kputDecimal(UInt64(droppedCount)); kputs(" of "); kputDecimal(UInt64(ranges))
        kputs(" memory ranges did not fit the boot memory map; "); kputSize(dropped); kputs(" of RAM is not used\n")
    }
    // Reservations may run to (or past) the top of the address space: they are clipped there, never dropped.
    tree.forEachReservation { start, size in boot.map.reserve(start: start, length: size, kind: .reserved) }
    tree.forEachReservedMemory { start, size in boot.map.reserve(start: start, length: size, kind: .reserved) }
    boot.map.reserve(start: address, length: tree.totalSize, kind: .bootInfo)
    return true
}
