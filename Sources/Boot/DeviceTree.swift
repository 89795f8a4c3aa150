// A flattened device tree (devicetree.org spec v0.4, ch. 2-5), read in place:
// a generic, bounds-checked walker that knows no device. `open` checks the
// header and the whole structure block once (tokens, nesting, every name and
// property inside its block); after that, nodes are found by path, phandle or
// a walk, and their properties, cells, `reg` (translated to CPU addresses
// through every parent's `ranges`), `status`, `/chosen`, `/memory` and
// `/reserved-memory` are read on demand. Nothing allocates. Which devices a
// kernel drives is the backends' business (Arch/<arch>/Devices).

enum DeviceTreeError: Error, Equatable {
    case unreadable
    case badMagic(UInt32)
    case badSize(UInt32)
    case unsupportedVersion(UInt32)
    case blockOutOfBounds
    case truncated(offset: Int)
    case badToken(UInt32, offset: Int)
    case tooDeep
    /// No `/memory` node with a non-empty range (for example `reg = <0 0 0>`, left for a
    /// boot loader to fill in): RAM size unknown.
    case noMemory
}

enum FDTToken {
    static let beginNode: UInt32 = 1, endNode: UInt32 = 2, prop: UInt32 = 3, nop: UInt32 = 4, end: UInt32 = 9
}

struct DeviceTree {
    static let magic: UInt32 = 0xD00D_FEED
    /// Largest blob accepted; QEMU passes 1-2 MiB (its tree plus free space).
    static let sizeLimit: UInt32 = 8 << 20
    /// Deepest node accepted (the root is depth 0).
    static let maxDepth = 16

    let blob: UnsafeRawPointer
    let totalSize: UInt64
    let version: UInt32
    let structStart: Int, structEnd: Int
    let stringsStart: Int, stringsEnd: Int
    let reservationsStart: Int

    /// Check the blob at `blob` (at most `available` bytes may be read there) and
    /// return a tree whose every later read is known to stay inside it.
    static func open(_ blob: UnsafeRawPointer, available: Int) throws(DeviceTreeError) -> DeviceTree {
        if available < 40 { throw .unreadable }
        let magic = be32(blob, 0)
        if magic != DeviceTree.magic { throw .badMagic(magic) }
        let size = be32(blob, 4)
        if size < 40 || size > DeviceTree.sizeLimit || Int(size) > available { throw .badSize(size) }
        let n = Int(size)
        // Int(clamping:): a 32-bit field of 2^31 or more is past any blob, not a trap where Int is 32 bits.
        let structOff = Int(clamping: be32(blob, 8)), stringsOff = Int(clamping: be32(blob, 12)), rsvOff = Int(clamping: be32(blob, 16))
        let version = be32(blob, 20), lastCompatible = be32(blob, 24)
        if version < 16 || lastCompatible > 17 { throw .unsupportedVersion(version) }
        let stringsSize = Int(clamping: be32(blob, 32))
        // size_dt_struct arrived in version 17; before it the block runs to the
        // strings block (when that follows it) or to the end of the blob.
        let structSize =
            version >= 17
            ? Int(clamping: be32(blob, 36))
            : (stringsOff > structOff && stringsOff <= n ? stringsOff - structOff : n - min(structOff, n))
        if structOff > n || structSize > n - structOff || stringsOff > n || stringsSize > n - stringsOff
            || rsvOff > n - 16 || structOff % 4 != 0 || rsvOff % 8 != 0
        {
            throw .blockOutOfBounds
        }
        let tree = DeviceTree(
            blob: blob, totalSize: UInt64(size), version: version,
            structStart: structOff, structEnd: structOff + structSize,
            stringsStart: stringsOff, stringsEnd: stringsOff + stringsSize, reservationsStart: rsvOff)
        try tree.validate()
        return tree
    }

    /// One pass over the reservation and structure blocks: every token known,
    /// every name and property inside its block, nesting within `maxDepth`.
    private func validate() throws(DeviceTreeError) {
        var r = reservationsStart
        while true {
            if r + 16 > Int(totalSize) { throw .truncated(offset: r) }
            if be64(blob, r) == 0 && be64(blob, r + 8) == 0 { break }
            r += 16
        }
        var offset = structStart, depth = 0, seenRoot = false
        while true {
            guard let token = u32(offset) else { throw .truncated(offset: offset) }
            offset += 4
            switch token {
            case FDTToken.beginNode:
                if depth == 0 && seenRoot { throw .badToken(token, offset: offset - 4) }  // a second root
                guard let name = cString(offset, limit: structEnd) else { throw .truncated(offset: offset) }
                offset += (name.count + 4) & ~3
                depth += 1
                seenRoot = true
                if depth > DeviceTree.maxDepth + 1 { throw .tooDeep }
            case FDTToken.endNode:
                if depth == 0 { throw .badToken(token, offset: offset - 4) }
                depth -= 1
            case FDTToken.prop:
                guard let length = u32(offset), let nameOff = u32(offset + 4) else { throw .truncated(offset: offset) }
                let value = offset + 8
                if Int(clamping: length) > structEnd - value { throw .truncated(offset: value) }
                if string(at: Int(clamping: nameOff)) == nil { throw .truncated(offset: offset + 4) }
                offset = value + ((Int(clamping: length) + 3) & ~3)
                if depth == 0 { throw .badToken(token, offset: offset) }
            case FDTToken.nop:
                continue
            case FDTToken.end:
                if depth != 0 || !seenRoot { throw .truncated(offset: offset) }
                return
            default:
                throw .badToken(token, offset: offset - 4)
            }
        }
    }

    // MARK: Reading inside the blocks

    func u32(_ offset: Int) -> UInt32? {
        offset >= structStart && offset <= structEnd - 4 ? be32(blob, offset) : nil
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
        nameOffset >= 0 && nameOffset < stringsEnd - stringsStart ? cString(stringsStart + nameOffset, limit: stringsEnd) : nil
    }

    // MARK: The header's reservation block

    /// Each (address, size) pair of the header's memory reservation block; pairs
    /// that wrap past 2^64 are passed clipped to the top.
    func forEachReservation(_ body: (UInt64, UInt64) -> Void) {
        var r = reservationsStart
        while r + 16 <= Int(totalSize) {
            let address = be64(blob, r), length = be64(blob, r + 8)
            if address == 0 && length == 0 { return }
            body(address, min(length, UInt64.max - address))
            r += 16
        }
    }

    // MARK: Nodes

    /// The root node.
    var root: DTNode {
        var offset = structStart
        while u32(offset) == FDTToken.nop { offset += 4 }
        let name = cString(offset + 4, limit: structEnd) ?? ByteString(base: nil, count: 0)
        return DTNode(
            tree: self, offset: offset + 4 + ((name.count + 4) & ~3), name: name, depth: 0,
            ancestors: InlineArray(repeating: 0))
    }

    /// Calls `body` with every node in document order (the root first) until it returns false.
    func forEachNode(_ body: (DTNode) -> Bool) {
        var path = InlineArray<18, Int>(repeating: 0)  // node offsets from the root down
        var offset = structStart, depth = -1
        while let token = u32(offset) {
            offset += 4
            switch token {
            case FDTToken.beginNode:
                guard let name = cString(offset, limit: structEnd) else { return }
                offset += (name.count + 4) & ~3
                depth += 1
                if depth > DeviceTree.maxDepth { return }
                path[depth] = offset
                var ancestors = InlineArray<17, Int>(repeating: 0)
                for i in 0..<depth { ancestors[i] = path[i] }
                if !body(DTNode(tree: self, offset: offset, name: name, depth: depth, ancestors: ancestors)) { return }
            case FDTToken.endNode:
                depth -= 1
            case FDTToken.prop:
                guard let length = u32(offset) else { return }
                offset += 8 + ((Int(clamping: length) + 3) & ~3)
            case FDTToken.nop:
                continue
            default:
                return
            }
        }
    }

    /// The node at an absolute path such as "/soc/serial@fe215040". A component
    /// without a unit address also matches a name with one ("memory" finds
    /// "memory@40000000"); the first match in document order wins.
    func node(atPath path: ByteString) -> DTNode? {
        if path.count == 0 || path[0] != 47 { return nil }  // "/"
        let components = path.split(separator: 47)
        if components == 0 { return root }
        var matched = InlineArray<18, Bool>(repeating: false)  // per depth, along the current path
        matched[0] = true
        var found: DTNode? = nil
        forEachNode { n in
            if n.depth == 0 { return true }
            guard n.depth <= components, matched[n.depth - 1], let want = path.component(n.depth - 1, separator: 47) else {
                matched[n.depth] = false
                return true
            }
            let hit =
                n.name.equals(want)
                || (!want.containsByte(64) && n.name.count > want.count && n.name.hasPrefix(want) && n.name[want.count] == 64)
            matched[n.depth] = hit
            if hit && n.depth == components { found = n; return false }
            return true
        }
        return found
    }

    /// The node whose `phandle` (or legacy `linux,phandle`) is `handle`. Nil
    /// for 0 and 0xFFFFFFFF, which the specification leaves invalid: a node
    /// claiming one is not found through it.
    func node(phandle handle: UInt32) -> DTNode? {
        if handle == 0 || handle == 0xFFFF_FFFF { return nil }
        var found: DTNode? = nil
        forEachNode { n in
            if n.phandle == handle { found = n; return false }
            return true
        }
        return found
    }

    /// `/chosen`, if the tree has one.
    var chosen: DTNode? { node(atPath: ByteString(staticString: "/chosen")) }

    /// `/chosen/bootargs`, without its NUL; empty when absent.
    var bootargs: ByteString {
        guard let v = chosen?.property("bootargs") else { return ByteString(base: nil, count: 0) }
        return v.droppingTrailingNUL
    }

    /// The node `/chosen/stdout-path` names: a path, or an alias from `/aliases`,
    /// either followed by ":options".
    var stdoutNode: DTNode? {
        guard let raw = chosen?.property("stdout-path") ?? chosen?.property("linux,stdout-path") else { return nil }
        let spec = raw.droppingTrailingNUL.prefix(upTo: 58)  // ":"
        if spec.count > 0 && spec[0] == 47 { return node(atPath: spec) }
        guard let aliases = node(atPath: ByteString(staticString: "/aliases")),
            let target = aliases.property(named: spec)
        else { return nil }
        return node(atPath: target.droppingTrailingNUL)
    }

    /// Each RAM range of the `/memory` nodes (named `memory` or with device_type
    /// "memory", not disabled), in CPU addresses; empty ranges are skipped.
    /// Returns how many ranges were passed.
    @discardableResult
    func forEachMemoryRange(_ body: (UInt64, UInt64) -> Void) -> Int {
        var count = 0
        root.forEachChild { n in
            let isMemory =
                n.name.equals("memory") || n.name.hasPrefix("memory@")
                || (n.property("device_type")?.droppingTrailingNUL.equals("memory") ?? false)
            if !isMemory || !n.isEnabled { return true }
            for i in 0..<n.regCount {
                if let r = n.reg(i), r.size > 0 { body(r.address, r.size); count += 1 }
            }
            return true
        }
        return count
    }

    /// Each fixed range under `/reserved-memory` (firmware such as OpenSBI, or
    /// a secure monitor, reserves itself there), in CPU addresses.
    func forEachReservedMemory(_ body: (UInt64, UInt64) -> Void) {
        guard let parent = node(atPath: ByteString(staticString: "/reserved-memory")) else { return }
        parent.forEachChild { n in
            if n.isEnabled {
                for i in 0..<n.regCount { if let r = n.reg(i), r.size > 0 { body(r.address, r.size) } }
            }
            return true
        }
    }
}

/// One node of an opened tree: where its properties start, its name and depth,
/// and where its ancestors' properties start (for cells and `ranges`).
struct DTNode {
    let tree: DeviceTree
    /// Offset of the first token after the node's name.
    let offset: Int
    let name: ByteString
    let depth: Int
    /// Property offsets of the ancestors, root first (`depth` of them).
    let ancestors: InlineArray<17, Int>

    /// The value of property `name`, or nil.
    func property(_ name: StaticString) -> ByteString? { property(named: ByteString(staticString: name)) }

    func property(named name: ByteString) -> ByteString? {
        var offset = self.offset
        while let token = tree.u32(offset) {
            if token == FDTToken.nop { offset += 4; continue }
            if token != FDTToken.prop { return nil }  // the node's children or its end
            guard let length = tree.u32(offset + 4), let nameOff = tree.u32(offset + 8) else { return nil }
            let value = offset + 12
            if let n = tree.string(at: Int(clamping: nameOff)), n.equals(name) {
                return ByteString(base: (tree.blob + value).assumingMemoryBound(to: UInt8.self), count: Int(clamping: length))
            }
            offset = value + ((Int(clamping: length) + 3) & ~3)
        }
        return nil
    }

    /// A one-cell property (`#address-cells`, `phandle`, ...); nil if absent or not one cell.
    func cell(_ name: StaticString) -> UInt32? {
        guard let v = property(name), v.count == 4 else { return nil }
        return v.bigEndian32(0)
    }

    /// Status absent, "okay" or "ok": the device is there to be used.
    var isEnabled: Bool {
        guard let s = property("status")?.droppingTrailingNUL else { return true }
        return s.equals("okay") || s.equals("ok")
    }

    func isCompatible(_ c: StaticString) -> Bool { property("compatible")?.contains(c) ?? false }

    var phandle: UInt32? { cell("phandle") ?? cell("linux,phandle") }

    /// The ancestor `level` (0: the root), as a node with its own ancestors.
    func ancestor(_ level: Int) -> DTNode {
        var a = InlineArray<17, Int>(repeating: 0)
        for i in 0..<level { a[i] = ancestors[i] }
        return DTNode(tree: tree, offset: ancestors[level], name: ByteString(base: nil, count: 0), depth: level, ancestors: a)
    }

    var parent: DTNode? { depth > 0 ? ancestor(depth - 1) : nil }

    /// Calls `body` with each direct child until it returns false.
    func forEachChild(_ body: (DTNode) -> Bool) {
        let me = offset
        tree.forEachNode { n in
            if n.depth == depth + 1 && n.ancestors[depth] == me { return body(n) }
            return true
        }
    }

    /// The cells this node's children use for addresses and sizes (spec 2.3.5:
    /// 2 and 1 when absent); nil when the property is malformed or too large
    /// for a 64-bit value, so only this node's children become unreadable.
    var childAddressCells: UInt32? { cellCount("#address-cells", default: 2) }
    var childSizeCells: UInt32? { cellCount("#size-cells", default: 1) }

    private func cellCount(_ name: StaticString, default d: UInt32) -> UInt32? {
        guard let v = property(name) else { return d }
        if v.count != 4 { return nil }
        let n = v.bigEndian32(0)
        return n <= 2 ? n : nil
    }

    /// How many (address, size) pairs `reg` holds; 0 when it cannot be read.
    var regCount: Int {
        guard let p = parent, let ac = p.childAddressCells, let sc = p.childSizeCells, ac > 0,
            let v = property("reg")
        else { return 0 }
        let pair = Int(ac + sc) * 4
        return v.count % pair == 0 ? v.count / pair : 0
    }

    /// The `i`th `reg` range in CPU physical addresses: translated through the
    /// `ranges` of every ancestor below the root. Nil when it cannot be read or
    /// an ancestor does not map it (no `ranges`, or no entry covers it).
    func reg(_ i: Int) -> (address: UInt64, size: UInt64)? {
        guard i >= 0 && i < regCount, let p = parent, let ac = p.childAddressCells, let sc = p.childSizeCells,
            let v = property("reg")
        else { return nil }
        let at = i * Int(ac + sc) * 4
        var address = v.cells(at, Int(ac)), size = v.cells(at + Int(ac) * 4, Int(sc))
        if size > UInt64.max - address { return nil }
        var level = depth - 1
        while level > 0 {  // the bus at `level` maps its children's addresses into its parent's
            guard let mapped = ancestor(level).translate(address, size) else { return nil }
            address = mapped
            level -= 1
        }
        return (address, size)
    }

    /// An address in this bus node's child space, in its parent's space.
    private func translate(_ address: UInt64, _ size: UInt64) -> UInt64? {
        guard let ranges = property("ranges") else { return nil }
        if ranges.count == 0 { return address }  // identity
        guard let p = parent, let childCells = childAddressCells, let lengthCells = childSizeCells,
            let parentCells = p.childAddressCells, childCells > 0
        else { return nil }
        let entry = Int(childCells + parentCells + lengthCells) * 4
        if ranges.count % entry != 0 { return nil }
        var at = 0
        while at < ranges.count {
            let child = ranges.cells(at, Int(childCells))
            let parentAddress = ranges.cells(at + Int(childCells) * 4, Int(parentCells))
            let length = ranges.cells(at + Int(childCells + parentCells) * 4, Int(lengthCells))
            if address >= child && address - child <= length && size <= length - (address - child) {
                let offset = address - child
                return parentAddress <= UInt64.max - offset ? parentAddress + offset : nil
            }
            at += entry
        }
        return nil
    }
}

extension ByteString {
    init(staticString s: StaticString) { self.init(base: s.utf8Start, count: s.utf8CodeUnitCount) }

    /// `n` big-endian cells (0 to 2) at byte `offset`, as one number.
    func cells(_ offset: Int, _ n: Int) -> UInt64 {
        var v: UInt64 = 0
        for c in 0..<n { v = v << 32 | UInt64(bigEndian32(offset + c * 4)) }
        return v
    }

    var droppingTrailingNUL: ByteString {
        count > 0 && self[count - 1] == 0 ? ByteString(base: base, count: count - 1) : self
    }

    func equals(_ other: ByteString) -> Bool {
        if other.count != count { return false }
        for i in 0..<count where self[i] != other[i] { return false }
        return true
    }

    func hasPrefix(_ other: ByteString) -> Bool {
        if other.count > count { return false }
        for i in 0..<other.count where self[i] != other[i] { return false }
        return true
    }

    func containsByte(_ b: UInt8) -> Bool {
        for i in 0..<count where self[i] == b { return true }
        return false
    }

    /// The bytes before the first `separator` (all of them when there is none).
    func prefix(upTo separator: UInt8) -> ByteString {
        for i in 0..<count where self[i] == separator { return ByteString(base: base, count: i) }
        return self
    }

    /// How many non-empty components `separator` splits these bytes into.
    func split(separator: UInt8) -> Int {
        var n = 0, inside = false
        for i in 0..<count {
            if self[i] == separator { inside = false } else if !inside { inside = true; n += 1 }
        }
        return n
    }

    /// The `k`th non-empty component between `separator`s.
    func component(_ k: Int, separator: UInt8) -> ByteString? {
        var n = -1, i = 0
        while i < count {
            while i < count && self[i] == separator { i += 1 }
            if i == count { return nil }
            let start = i
            while i < count && self[i] != separator { i += 1 }
            n += 1
            if n == k { return ByteString(base: base.map { $0 + start }, count: i - start) }
        }
        return nil
    }
}

func be32(_ p: UnsafeRawPointer, _ offset: Int) -> UInt32 {
    UInt32(bigEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
}

func be64(_ p: UnsafeRawPointer, _ offset: Int) -> UInt64 {
    UInt64(be32(p, offset)) << 32 | UInt64(be32(p, offset + 4))
}
