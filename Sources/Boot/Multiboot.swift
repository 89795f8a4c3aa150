// Reads a Multiboot (v1) information structure: the memory map (or the
// basic lower/upper sizes when there is no map) and the command line. Every
// field is range-checked; a damaged map is reported, never trusted.

enum MultibootProblem: Equatable {
    case unreadableInfo
    case noMemoryInformation
    case mapTooLong(UInt32)
    case unreadableMap
    case badEntrySize(index: Int, size: UInt32)
    case entryWraps(index: Int)
    case tooManyEntries
    /// No NUL within the readable bytes (at most `commandLineLimit`): not used.
    case commandLineUnterminated
}

struct MultibootInfo {
    static let bootloaderMagic: UInt32 = 0x2BAD_B002
    /// Longest memory map accepted (bytes); real ones are well under 1 KiB.
    static let mapLengthLimit: UInt32 = 4096
    /// Longest command line read.
    static let commandLineLimit = 1024

    var commandLine = ByteString(base: nil, count: 0)
    /// Physical ranges the boot structures occupy, to keep them out of the frame allocator.
    var structures = InlineArray<3, MemoryRegion>(repeating: MemoryRegion(start: 0, end: 0, kind: .bootInfo))
    var problems = InlineArray<4, MultibootProblem>(repeating: .unreadableInfo)
    var problemCount = 0
    var usedBasicSizes = false

    /// Parse the structure at physical `info`. `reach(address, length)` gives a
    /// pointer to physical memory, or nil if that range cannot be read.
    init(info: UInt64, into map: inout MemoryMap, reach: (UInt64, Int) -> UnsafeRawPointer?) {
        guard let p = reach(info, 52) else { note(.unreadableInfo); return }
        let flags = p.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
        structures[0] = MemoryRegion(start: info, end: info + 52, kind: .bootInfo)
        if flags & (1 << 2) != 0 {
            let at = UInt64(p.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
            // Read only what `reach` allows: the largest readable length up to the limit.
            var readable = 0, step = MultibootInfo.commandLineLimit
            while step > 0 {
                if readable + step <= MultibootInfo.commandLineLimit && reach(at, readable + step) != nil { readable += step }
                step /= 2
            }
            if readable > 0, let s = reach(at, readable) {
                let line = ByteString(cString: s.assumingMemoryBound(to: UInt8.self), limit: readable)
                if line.count < readable {
                    commandLine = line
                    structures[1] = MemoryRegion(start: at, end: at + UInt64(line.count) + 1, kind: .bootInfo)
                } else {
                    note(.commandLineUnterminated)
                }
            }
        }
        if flags & (1 << 6) != 0 {
            let length = p.loadUnaligned(fromByteOffset: 44, as: UInt32.self)
            let at = UInt64(p.loadUnaligned(fromByteOffset: 48, as: UInt32.self))
            if length > MultibootInfo.mapLengthLimit {
                note(.mapTooLong(length))
            } else if let m = reach(at, Int(length)) {
                structures[2] = MemoryRegion(start: at, end: at + UInt64(length), kind: .bootInfo)
                if readMap(m, length: Int(length), into: &map) { return }
            } else {
                note(.unreadableMap)
            }
        }
        // No usable map: fall back to the basic sizes (KiB below 640 KiB and above 1 MiB).
        if flags & 1 != 0 {
            usedBasicSizes = true
            let lower = UInt64(p.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) * 1024
            let upper = UInt64(p.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) * 1024
            // Not kept only if reservations fill the map: then there is no usable RAM, and the kernel says so.
            try? map.add(start: 0, length: min(lower, 0xA0000), kind: .usable)
            try? map.add(start: 0x10_0000, length: upper, kind: .usable)
        } else {
            note(.noMemoryInformation)
        }
    }

    /// Add each entry to `map`. False if the map is damaged or names no usable
    /// RAM (entries added so far stay: the reservations among them still win
    /// over the basic sizes the caller falls back to).
    private mutating func readMap(_ m: UnsafeRawPointer, length: Int, into map: inout MemoryMap) -> Bool {
        var offset = 0
        var index = 0
        var usable = 0
        while offset < length {
            if length - offset < 24 { note(.badEntrySize(index: index, size: UInt32(length - offset))); return false }
            let size = m.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            // Compared as UInt64: on a 32-bit CPU Int(size) traps from 2^31 on.
            if size < 20 || UInt64(size) > UInt64(length - offset - 4) { note(.badEntrySize(index: index, size: size)); return false }
            let base = m.loadUnaligned(fromByteOffset: offset + 4, as: UInt64.self)
            let len = m.loadUnaligned(fromByteOffset: offset + 12, as: UInt64.self)
            let type = m.loadUnaligned(fromByteOffset: offset + 20, as: UInt32.self)
            let kind = MultibootInfo.kind(type)
            do throws(MemoryMapError) {
                try map.add(start: base, length: len, kind: kind)
                if kind == .usable && len > 0 { usable += 1 }
            } catch {
                switch error {
                case .wrapsAround: note(.entryWraps(index: index))
                case .full: note(.tooManyEntries)  // usable RAM dropped, or a lost reservation (the map says which)
                }
            }
            offset += Int(size) + 4
            index += 1
        }
        return usable > 0
    }

    static func kind(_ type: UInt32) -> RegionKind {
        switch type {
        case 1: .usable
        case 3: .acpiReclaimable
        case 4: .acpiNonVolatile
        case 5: .defective
        default: .reserved
        }
    }

    private mutating func note(_ p: MultibootProblem) {
        for i in 0..<problemCount where problems[i] == p { return }  // each problem once
        if problemCount < 4 { problems[problemCount] = p; problemCount += 1 }
    }
}
