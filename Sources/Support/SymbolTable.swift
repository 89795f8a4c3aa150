// The kernel's own symbol table (written into the image after the link by
// ci/kernel_symbols.py), for backtraces with function names. It reads only
// inside the table's bounds and allocates nothing, so a panic or a fault
// handler can use it whatever state the heap is in.

/// The table in `.ksyms`: "KSYM", a count N, N+1 entries (start offset from
/// the image base, name offset), ascending; the last entry is the code's end.
struct SymbolTable {
    static let magic: UInt32 = 0x4D59_534B  // "KSYM" little-endian
    let table: UnsafeRawPointer
    let bytes: Int
    let imageBase: UInt
    let count: Int

    /// Nil when the bytes are not a table (not filled in, or damaged).
    init?(table: UnsafeRawPointer, bytes: Int, imageBase: UInt) {
        if bytes < 16 || table.loadUnaligned(as: UInt32.self) != SymbolTable.magic { return nil }
        let n = Int(table.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        if n == 0 || n > (bytes - 16) / 8 { return nil }
        self.table = table
        self.bytes = bytes
        self.imageBase = imageBase
        self.count = n
    }

    private func entry(_ i: Int) -> (start: UInt, name: Int) {
        let at = 8 + 8 * i
        return (
            UInt(table.loadUnaligned(fromByteOffset: at, as: UInt32.self)),
            Int(table.loadUnaligned(fromByteOffset: at + 4, as: UInt32.self))
        )
    }

    /// The function that holds `address`, and how far into it; nil outside the code.
    func lookup(_ address: UInt) -> (name: ByteString, offset: UInt)? {
        if address < imageBase { return nil }
        let a = address - imageBase
        if a < entry(0).start || a >= entry(count).start { return nil }
        var low = 0, high = count  // entry(low).start <= a < entry(high).start
        while high - low > 1 {
            let mid = (low + high) / 2
            if entry(mid).start <= a { low = mid } else { high = mid }
        }
        let e = entry(low)
        if e.name < 8 || e.name >= bytes { return nil }
        var n = 0
        let name = table.assumingMemoryBound(to: UInt8.self) + e.name
        while e.name + n < bytes && name[n] != 0 { n += 1 }
        return (ByteString(base: name, count: n), a - e.start)
    }

    /// Names the code at `address` for a backtrace. Code the compiler outlined
    /// from several functions (aarch64 -Osize: OUTLINED_FUNCTION_n) has no frame
    /// of its own; `link`, the return address it was entered with, names the
    /// function it was outlined from.
    func describe(_ address: UInt, link: UInt?) -> (name: ByteString, offset: UInt, outlinedFrom: (name: ByteString, offset: UInt)?)? {
        guard let hit = lookup(address) else { return nil }
        if hit.name.hasPrefix("OUTLINED_FUNCTION_"), let lr = link, lr > 0, let caller = lookup(lr - 1) {
            return (hit.name, hit.offset, (caller.name, caller.offset + 1))
        }
        return (hit.name, hit.offset, nil)
    }
}
