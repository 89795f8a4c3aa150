// The ELF executable loader's checking half (System V ABI, ELF-32 and ELF-64,
// little-endian). Every header field and every segment bound is checked
// before anything is mapped: a damaged image is an error value naming what
// is wrong, never a partial task. Mapping the segments is the caller's job.

enum ELFError: Error, Equatable {
    case tooSmall
    case badMagic
    case wrongClass
    case notLittleEndian
    case badVersion
    case notExecutable
    case wrongMachine(UInt16)
    case badHeaderSize
    case programHeadersOutOfFile
    case tooManySegments
    case dynamicImage
    case segmentOutOfFile(Int)
    case fileSizeExceedsMemorySize(Int)
    case segmentOutsideWindow(Int)
    case segmentsOverlap(Int)
    case badAlignment(Int)
    case writableAndExecutable(Int)
    case entryNotInCode
    case noLoadableSegment
}

struct ELFSegment: Equatable {
    var virtualAddress: UInt64 = 0
    var memorySize: UInt64 = 0
    var fileOffset: UInt64 = 0
    var fileSize: UInt64 = 0
    var writable = false
    var executable = false
}

struct ELFImage {
    static let maxSegments = 8
    var entry: UInt64 = 0
    var segments = InlineArray<8, ELFSegment>(repeating: ELFSegment())
    var segmentCount = 0
    /// One past the highest byte any segment occupies.
    var end: UInt64 = 0

    /// What the loader expects of an image for one architecture.
    struct Target {
        let machine: UInt16  // 3 = EM_386, 183 = EM_AARCH64
        let is64: Bool
        let window: VirtualRange
        let pageSize: UInt64
    }

    /// Check the image at `bytes` (`count` bytes long) for `target`.
    static func parse(_ bytes: UnsafeRawPointer, count: Int, for target: Target) throws(ELFError) -> ELFImage {
        var image = ELFImage()
        try image.read(bytes, count, target)
        return image
    }

    private mutating func read(_ b: UnsafeRawPointer, _ count: Int, _ t: Target) throws(ELFError) {
        let w = t.is64
        if count < (w ? 64 : 52) { throw .tooSmall }
        if b.loadUnaligned(as: UInt32.self) != 0x464C_457F { throw .badMagic }  // 0x7F 'E' 'L' 'F'
        if u8(b, 4) != (w ? 2 : 1) { throw .wrongClass }
        if u8(b, 5) != 1 { throw .notLittleEndian }
        if u8(b, 6) != 1 || u32(b, 20) != 1 { throw .badVersion }
        if u16(b, 16) != 2 { throw .notExecutable }  // ET_EXEC
        if u16(b, 18) != t.machine { throw .wrongMachine(u16(b, 18)) }
        entry = w ? u64(b, 24) : UInt64(u32(b, 24))
        let phoff = w ? u64(b, 32) : UInt64(u32(b, 28))
        let ehsize = u16(b, w ? 52 : 40), phentsize = u16(b, w ? 54 : 42), phnum = Int(u16(b, w ? 56 : 44))
        if ehsize != (w ? 64 : 52) || phentsize != (w ? 56 : 32) { throw .badHeaderSize }
        if phnum > 16 { throw .tooManySegments }
        if phoff > UInt64(count) || UInt64(phnum) * UInt64(phentsize) > UInt64(count) - phoff { throw .programHeadersOutOfFile }
        for i in 0..<phnum {
            let p = b + Int(phoff) + i * Int(phentsize)
            let type = u32(p, 0)
            if type == 2 || type == 3 { throw .dynamicImage }  // PT_DYNAMIC, PT_INTERP
            if type != 1 { continue }  // only PT_LOAD is loaded
            if segmentCount == ELFImage.maxSegments { throw .tooManySegments }
            let flags = w ? u32(p, 4) : u32(p, 24)
            var s = ELFSegment()
            s.fileOffset = w ? u64(p, 8) : UInt64(u32(p, 4))
            s.virtualAddress = w ? u64(p, 16) : UInt64(u32(p, 8))
            s.fileSize = w ? u64(p, 32) : UInt64(u32(p, 16))
            s.memorySize = w ? u64(p, 40) : UInt64(u32(p, 20))
            let align = w ? u64(p, 48) : UInt64(u32(p, 28))
            s.writable = flags & 2 != 0
            s.executable = flags & 1 != 0
            try check(s, align: align, index: i, count, t)
            segments[segmentCount] = s
            segmentCount += 1
            end = max(end, s.virtualAddress + s.memorySize)
        }
        if segmentCount == 0 { throw .noLoadableSegment }
        for i in 0..<segmentCount where segments[i].executable {
            let s = segments[i]
            if entry >= s.virtualAddress && entry < s.virtualAddress + s.memorySize { return }
        }
        throw .entryNotInCode
    }

    private func check(_ s: ELFSegment, align: UInt64, index i: Int, _ count: Int, _ t: Target) throws(ELFError) {
        if s.fileOffset > UInt64(count) || s.fileSize > UInt64(count) - s.fileOffset { throw .segmentOutOfFile(i) }
        if s.fileSize > s.memorySize { throw .fileSizeExceedsMemorySize(i) }
        if align > 1 && (align & (align - 1) != 0 || s.virtualAddress % align != s.fileOffset % align) { throw .badAlignment(i) }
        let start = UInt64(t.window.start.raw), limit = UInt64(t.window.end.raw)
        if s.virtualAddress < start || s.virtualAddress > limit || s.memorySize > limit - s.virtualAddress {
            throw .segmentOutsideWindow(i)
        }
        if s.writable && s.executable { throw .writableAndExecutable(i) }
        // Segments are mapped page by page, so no two may share a page.
        let first = s.virtualAddress & ~(t.pageSize - 1), last = (s.virtualAddress + s.memorySize + t.pageSize - 1) & ~(t.pageSize - 1)
        for j in 0..<segmentCount {
            let o = segments[j]
            let oFirst = o.virtualAddress & ~(t.pageSize - 1),
                oLast = (o.virtualAddress + o.memorySize + t.pageSize - 1) & ~(t.pageSize - 1)
            if first < oLast && oFirst < last { throw .segmentsOverlap(i) }
        }
    }
}

private func u8(_ p: UnsafeRawPointer, _ o: Int) -> UInt8 { p.load(fromByteOffset: o, as: UInt8.self) }
private func u16(_ p: UnsafeRawPointer, _ o: Int) -> UInt16 { UInt16(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt16.self)) }
private func u32(_ p: UnsafeRawPointer, _ o: Int) -> UInt32 { UInt32(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
private func u64(_ p: UnsafeRawPointer, _ o: Int) -> UInt64 { UInt64(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
