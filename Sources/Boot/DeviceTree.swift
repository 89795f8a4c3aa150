// A flattened device tree (devicetree.org spec v0.4, ch. 5) reader: just what
// booting needs. RAM from /memory, the command line from /chosen/bootargs, the
// PL011 UART, the PSCI conduit, the GIC and the timer's interrupt. Every offset and length is checked
// against the blob's size: a damaged tree is an error value, never a guess.

enum DeviceTreeError: Error, Equatable {
    case unreadable
    case badMagic(UInt32)
    case badSize(UInt32)
    case unsupportedVersion(UInt32)
    case blockOutOfBounds
    case truncated(offset: Int)
    case badToken(UInt32, offset: Int)
    case tooDeep
    case badCells
    case noMemory
    /// The architected timer's `interrupts` do not name a virtual-timer PPI.
    case badTimer
}

enum PSCIConduit: Equatable { case hvc, smc }

struct DeviceTree {
    static let magic: UInt32 = 0xD00D_FEED
    /// Largest blob accepted; QEMU passes 1-2 MiB (its tree plus free space).
    static let sizeLimit: UInt32 = 8 << 20
    static let maxDepth = 16

    var totalSize: UInt64 = 0
    var memory = InlineArray<8, MemoryRegion>(repeating: MemoryRegion(start: 0, end: 0, kind: .usable))
    var memoryCount = 0
    /// The header's memory reservation block.
    var reserved = InlineArray<8, MemoryRegion>(repeating: MemoryRegion(start: 0, end: 0, kind: .reserved))
    var reservedCount = 0
    var bootargs = ByteString(base: nil, count: 0)
    var uart: MemoryRegion? = nil
    var psci: PSCIConduit? = nil
    /// GIC distributor and CPU interface (or redistributor) register ranges.
    var gic = InlineArray<2, MemoryRegion>(repeating: MemoryRegion(start: 0, end: 0, kind: .reserved))
    var gicCount = 0
    var gicCompatible = ByteString(base: nil, count: 0)
    /// The GIC interrupt ID of the EL1 virtual timer (the third entry of the
    /// arm,armv8-timer node's `interrupts`, a PPI: 16 + its number).
    var virtualTimerInterrupt: UInt32? = nil

    /// Parse the blob at `blob`; `available` is how many bytes may be read there
    /// (the blob must fit). Returns the tree or the first problem found.
    static func parse(_ blob: UnsafeRawPointer, available: Int) -> Result<DeviceTree, DeviceTreeError> {
        var tree = DeviceTree()
        if let e = tree.read(blob, available) { return .failure(e) }
        return .success(tree)
    }

    private mutating func read(_ b: UnsafeRawPointer, _ available: Int) -> DeviceTreeError? {
        if available < 40 { return .unreadable }
        let magic = be32(b, 0)
        if magic != DeviceTree.magic { return .badMagic(magic) }
        let size = be32(b, 4)
        if size < 40 || size > DeviceTree.sizeLimit || Int(size) > available { return .badSize(size) }
        let structOff = Int(be32(b, 8)), stringsOff = Int(be32(b, 12)), rsvOff = Int(be32(b, 16))
        let version = be32(b, 20), lastCompatible = be32(b, 24)
        if version < 16 || lastCompatible > 17 { return .unsupportedVersion(version) }
        let stringsSize = Int(be32(b, 32)), structSize = Int(be32(b, 36))
        let n = Int(size)
        if structOff > n || structSize > n - structOff || stringsOff > n || stringsSize > n - stringsOff
            || rsvOff > n - 16 || structOff % 4 != 0 || rsvOff % 8 != 0 { return .blockOutOfBounds }
        totalSize = UInt64(size)

        // Memory reservation block: (address, size) pairs ending with a zero pair.
        var r = rsvOff
        while true {
            if r + 16 > n { return .truncated(offset: r) }
            let address = be64(b, r), length = be64(b, r + 8)
            if address == 0 && length == 0 { break }
            if reservedCount < 8, address <= UInt64.max - length {
                reserved[reservedCount] = MemoryRegion(start: address, end: address + length, kind: .reserved)
                reservedCount += 1
            }
            r += 16
        }
        let walker = StructureWalker(blob: b, start: structOff, end: structOff + structSize,
                                     strings: stringsOff, stringsEnd: stringsOff + stringsSize)
        if let e = walk(walker) { return e }
        if memoryCount == 0 { return .noMemory }
        return nil
    }

    /// One pass over the structure block, tracking the node path and cell sizes.
    private mutating func walk(_ w: StructureWalker) -> DeviceTreeError? {
        var offset = w.start
        var depth = 0
        // Per depth: node kind and the #address-cells/#size-cells its children use.
        var kinds = InlineArray<17, NodeKind>(repeating: .other)
        var addressCells = InlineArray<17, UInt32>(repeating: 2)
        var sizeCells = InlineArray<17, UInt32>(repeating: 1)
        while true {
            guard let token = w.u32(offset) else { return .truncated(offset: offset) }
            offset += 4
            switch token {
            case 1:  // FDT_BEGIN_NODE: name, NUL, padding
                guard let name = w.cString(offset, limit: w.end) else { return .truncated(offset: offset) }
                offset += (name.count + 4) & ~3
                depth += 1
                if depth > DeviceTree.maxDepth { return .tooDeep }
                kinds[depth] = depth == 2 ? NodeKind.of(name) : .other
                addressCells[depth] = 2; sizeCells[depth] = 1   // defaults for its children
            case 2:  // FDT_END_NODE
                if depth == 0 { return .badToken(token, offset: offset - 4) }
                if depth == 2, let e = finishNode(kinds[2], rootAddress: addressCells[1], rootSize: sizeCells[1]) { return e }
                depth -= 1
            case 3:  // FDT_PROP: length, name offset, value, padding
                guard let length = w.u32(offset), let nameOff = w.u32(offset + 4) else { return .truncated(offset: offset) }
                let value = offset + 8
                if Int(length) > w.end - value { return .truncated(offset: value) }
                guard let name = w.string(at: Int(nameOff)) else { return .truncated(offset: offset + 4) }
                let v = ByteString(base: (w.blob + value).assumingMemoryBound(to: UInt8.self), count: Int(length))
                offset = value + ((Int(length) + 3) & ~3)
                if depth == 0 { return .badToken(token, offset: offset) }
                if let e = property(name, v, depth: depth, &addressCells[depth], &sizeCells[depth]) { return e }
            case 4:  // FDT_NOP
                continue
            case 9:  // FDT_END
                return depth == 0 ? nil : .truncated(offset: offset)
            default:
                return .badToken(token, offset: offset - 4)
            }
        }
    }

    /// Note what a property says. Only the root's own properties and those of
    /// its direct children matter here (memory, chosen, psci, the UART, the GIC).
    private mutating func property(_ name: ByteString, _ v: ByteString, depth: Int,
                                   _ addressCells: inout UInt32, _ sizeCells: inout UInt32) -> DeviceTreeError? {
        if name.equals("#address-cells") || name.equals("#size-cells") {
            guard v.count == 4 else { return .badCells }
            if name.equals("#address-cells") { addressCells = v.bigEndian32(0) } else { sizeCells = v.bigEndian32(0) }
            return nil
        }
        if depth != 2 { return nil }
        if name.equals("reg") { node.reg = v }
        else if name.equals("compatible") { node.compatible = v }
        else if name.equals("bootargs") { node.bootargs = v }
        else if name.equals("method") { node.method = v }
        else if name.equals("interrupts") { node.interrupts = v }
        return nil
    }

    /// A direct child of the root ends: act on what it held, in the root's cell sizes.
    private mutating func finishNode(_ kind: NodeKind, rootAddress: UInt32, rootSize: UInt32) -> DeviceTreeError? {
        defer { node = PendingNode() }
        switch kind {
        case .memory:
            guard let reg = node.reg else { return nil }
            return readReg(reg, rootAddress, rootSize) { start, size in
                if memoryCount < 8 { memory[memoryCount] = MemoryRegion(start: start, end: start + size, kind: .usable); memoryCount += 1 }
            }
        case .chosen:
            if let v = node.bootargs {
                bootargs = v.count > 0 && v[v.count - 1] == 0 ? ByteString(base: v.base, count: v.count - 1) : v
            }
        case .psci:
            if let v = node.method { if v.hasPrefix("hvc") { psci = .hvc } else if v.hasPrefix("smc") { psci = .smc } }
        case .other:
            guard let c = node.compatible else { return nil }
            if c.contains("arm,armv8-timer") || c.contains("arm,armv7-timer") {
                // Four (type, number, flags) triples: secure, non-secure, virtual, hypervisor timers.
                guard let v = node.interrupts, v.count >= 36, v.bigEndian32(24) == 1, v.bigEndian32(28) < 16 else {
                    return .badTimer
                }
                virtualTimerInterrupt = 16 + v.bigEndian32(28)
                return nil
            }
            guard let reg = node.reg else { return nil }
            if uart == nil && c.contains("arm,pl011") {
                return readReg(reg, rootAddress, rootSize) { start, size in
                    if uart == nil { uart = MemoryRegion(start: start, end: start + size, kind: .reserved) }
                }
            }
            if gicCount == 0 && (c.contains("arm,cortex-a15-gic") || c.contains("arm,gic-v3")) {
                gicCompatible = c
                return readReg(reg, rootAddress, rootSize) { start, size in
                    if gicCount < 2 { gic[gicCount] = MemoryRegion(start: start, end: start + size, kind: .reserved); gicCount += 1 }
                }
            }
        }
        return nil
    }

    /// Properties of the root child being read (QEMU puts `reg` before `compatible`).
    private struct PendingNode {
        var reg: ByteString? = nil
        var compatible: ByteString? = nil
        var bootargs: ByteString? = nil
        var method: ByteString? = nil
        var interrupts: ByteString? = nil
    }
    private var node = PendingNode()

    /// Each (address, size) pair of a `reg` value, in the parent's cell sizes.
    private func readReg(_ v: ByteString, _ ac: UInt32, _ sc: UInt32, _ each: (UInt64, UInt64) -> Void) -> DeviceTreeError? {
        let pair = Int(ac + sc) * 4
        if ac == 0 || ac > 2 || sc > 2 || pair == 0 || v.count % pair != 0 || v.count == 0 { return .badCells }
        var i = 0
        while i < v.count {
            var start: UInt64 = 0, size: UInt64 = 0
            for c in 0..<Int(ac) { start = start << 32 | UInt64(v.bigEndian32(i + c * 4)) }
            for c in 0..<Int(sc) { size = size << 32 | UInt64(v.bigEndian32(i + Int(ac) * 4 + c * 4)) }
            if start > UInt64.max - size { return .badCells }
            each(start, size)
            i += pair
        }
        return nil
    }
}

/// What a node directly under the root is, by its name.
enum NodeKind: Equatable {
    case memory, chosen, psci, other
    static func of(_ name: ByteString) -> NodeKind {
        if name.equals("memory") || name.hasPrefix("memory@") { return .memory }
        if name.equals("chosen") { return .chosen }
        if name.equals("psci") || name.hasPrefix("psci@") { return .psci }
        return .other
    }
}

/// Bounds-checked reads inside the structure and strings blocks.
struct StructureWalker {
    let blob: UnsafeRawPointer
    let start: Int, end: Int, strings: Int, stringsEnd: Int

    func u32(_ offset: Int) -> UInt32? {
        offset >= start && offset + 4 <= end ? be32(blob, offset) : nil
    }
    /// The NUL-terminated string at `offset`, which must end before `limit`.
    func cString(_ offset: Int, limit: Int) -> ByteString? {
        var i = offset
        while i < limit {
            if blob.load(fromByteOffset: i, as: UInt8.self) == 0 {
                return ByteString(base: (blob + offset).assumingMemoryBound(to: UInt8.self), count: i - offset)
            }
            i += 1
        }
        return nil
    }
    func string(at nameOffset: Int) -> ByteString? {
        nameOffset < stringsEnd - strings ? cString(strings + nameOffset, limit: stringsEnd) : nil
    }
}

func be32(_ p: UnsafeRawPointer, _ offset: Int) -> UInt32 {
    UInt32(bigEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
}

func be64(_ p: UnsafeRawPointer, _ offset: Int) -> UInt64 {
    UInt64(be32(p, offset)) << 32 | UInt64(be32(p, offset + 4))
}
