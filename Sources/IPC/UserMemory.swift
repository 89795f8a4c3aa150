// The kernel's only way to touch memory a task names. Every pointer and length
// from a system call is checked against the task's user window and its page
// tables (mapped, user-accessible, writable when written) before one byte
// moves; bytes then move through the direct map, so a copy works the same
// whichever address space is active.

enum UserAccess { case read, write }

struct UserMemory<A: Architecture> {
    typealias F = A.Format
    let space: AddressSpace<A>
    let window: VirtualRange

    /// True if [address, address + length) lies in the window and every page
    /// in it is mapped for the user (and writable, for `.write`), and none is a device's.
    func check(_ address: UInt, _ length: Int, _ access: UserAccess) -> Bool {
        if length == 0 { return true }
        guard length > 0, address >= window.start.raw, address <= window.end.raw,
            UInt(length) <= window.end.raw - address
        else { return false }
        var page = address & ~UInt(F.pageSize - 1)
        while page < address + UInt(length) {
            // Never a device's registers: a read can take a byte from a FIFO.
            guard let (_, attributes) = space.mapping(of: Page(VirtualAddress(page))), attributes.contains(.user),
                access == .read || attributes.contains(.writable), !attributes.contains(.device)
            else { return false }
            page += UInt(F.pageSize)
        }
        return true
    }

    /// Copy `length` bytes from the task's `address` into `destination`; false (nothing copied) if the range fails `check`.
    func copyIn(from address: UInt, length: Int, into destination: UnsafeMutableRawPointer) -> Bool {
        guard check(address, length, .read) else { return false }
        walk(address, length) { user, offset, n in destination.advanced(by: offset).copyMemory(from: user, byteCount: n) }
        return true
    }

    /// Copy `length` bytes from `source` to the task's `address`; false (nothing copied) if the range fails `check`.
    func copyOut(_ source: UnsafeRawPointer, length: Int, to address: UInt) -> Bool {
        guard check(address, length, .write) else { return false }
        walk(address, length) { user, offset, n in user.copyMemory(from: source.advanced(by: offset), byteCount: n) }
        return true
    }

    /// Visit the range page by page as direct-map pointers (the range is already checked).
    private func walk(_ address: UInt, _ length: Int, _ body: (UnsafeMutableRawPointer, Int, Int) -> Void) {
        var done = 0
        while done < length {
            let va = address + UInt(done)
            let inPage = Int(va & UInt(F.pageSize - 1))
            let n = min(length - done, Int(F.pageSize) - inPage)
            let (frame, _) = space.mapping(of: Page(VirtualAddress(va - UInt(inPage))))!
            body(space.arch.pointer(to: frame.start) + inPage, done, n)
            done += n
        }
    }
}
