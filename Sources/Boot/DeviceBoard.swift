// The devices a kernel may give to tasks, as its board describes them: a
// manifest names a device by path (a device-tree path, or "@stdout" for the
// console's), and the board answers with its registers (or I/O ports) and its
// interrupt lines. The device-tree arches answer from the boot tree with the
// helpers below; i386 answers from a fixed table of legacy PC devices
// (Arch/i386/LegacyDevices.swift). The kernel (Kernel/Regions.swift) turns
// the answers into region and interrupt objects.

/// One resource of a device.
enum BoardRange: Equatable {
    /// Memory-mapped registers: `bytes` from physical `base`.
    case registers(base: UInt64, bytes: UInt64)
    /// I/O ports (i386): `count` of them from `first`.
    case ports(first: UInt64, count: UInt64)
}

/// Why a device's resource cannot be given out.
enum BoardRefusal: Error, Equatable {
    /// No device at that path, or it has no such range or interrupt.
    case noDevice
    /// One the kernel keeps (its timer, its interrupt controller), or RAM.
    case kernelOwned
}

/// What the kernel asks of the board (a backend conforms).
protocol DeviceBoard {
    /// The `index`-th register (or port) range of the device at `path`.
    static func deviceRange(path: ByteString, index: Int) throws(BoardRefusal) -> BoardRange
    /// The interrupt controller's line for the `index`-th interrupt of the device at `path`.
    static func deviceLine(path: ByteString, index: Int) throws(BoardRefusal) -> UInt32
    /// Read or write a `width`-byte (1, 2, 4) I/O port (i386; elsewhere never called).
    static func portRead(_ port: UInt16, width: Int) -> UInt32
    static func portWrite(_ port: UInt16, width: Int, _ value: UInt32)
}

/// An interrupt specifier: the controller it belongs to and its cells.
struct InterruptSpecifier {
    let controller: DTNode
    /// The first cells (a GIC has 3 or 4, a PLIC 1); `count` of them given.
    var cells = InlineArray<4, UInt32>(repeating: 0)
    var count = 0
}

extension DeviceTree {
    /// The node a manifest's path names: "@stdout" is /chosen/stdout-path's.
    func device(at path: ByteString) -> DTNode? {
        path.equals("@stdout") ? stdoutNode : node(atPath: path)
    }

    /// True if [base, base + bytes) meets a RAM range of the tree's /memory nodes.
    func overlapsRAM(_ base: UInt64, _ bytes: UInt64) -> Bool {
        var meets = false
        forEachMemoryRange { start, size in if rangesMeet(base, bytes, start, size) { meets = true } }
        return meets
    }

    /// The `index`-th register range of the device at `path`, refused if the
    /// node is absent or disabled, has no such range, or the range is RAM.
    func registers(path: ByteString, index: Int) throws(BoardRefusal) -> (base: UInt64, bytes: UInt64) {
        guard let n = device(at: path), n.isEnabled, let r = n.reg(index), r.size > 0 else { throw .noDevice }
        if overlapsRAM(r.address, r.size) { throw .kernelOwned }
        return (r.address, r.size)
    }

    /// The `index`-th interrupt of `node`: through `interrupts-extended` (a
    /// controller's phandle before each specifier) or `interrupts` with the
    /// `interrupt-parent` of the node or its nearest ancestor that has one.
    /// Nil when absent or malformed.
    func interrupt(of node: DTNode, index: Int) -> InterruptSpecifier? {
        func take(_ v: ByteString, at: Int, _ controller: DTNode, _ cells: Int) -> InterruptSpecifier {
            var s = InterruptSpecifier(controller: controller)
            s.count = min(cells, 4)
            for i in 0..<s.count { s.cells[i] = v.bigEndian32(at + 4 * i) }
            return s
        }
        if let extended = node.property("interrupts-extended") {
            var at = 0, i = 0
            while at + 4 <= extended.count {
                guard let c = self.node(phandle: extended.bigEndian32(at)), let cells = c.cell("#interrupt-cells"), cells > 0,
                    cells <= 8, at + 4 + Int(cells) * 4 <= extended.count
                else { return nil }
                if i == index { return take(extended, at: at + 4, c, Int(cells)) }
                at += 4 + Int(cells) * 4
                i += 1
            }
            return nil
        }
        guard let list = node.property("interrupts"), let c = interruptParent(of: node), let cells = c.cell("#interrupt-cells"),
            cells > 0, cells <= 8
        else { return nil }
        let size = Int(cells) * 4
        guard index >= 0, list.count >= (index + 1) * size else { return nil }
        return take(list, at: index * size, c, Int(cells))
    }

    /// `interrupt-parent` of the node or its nearest ancestor that has one.
    func interruptParent(of node: DTNode) -> DTNode? {
        if let h = node.cell("interrupt-parent") { return self.node(phandle: h) }
        var level = node.depth - 1
        while level >= 0 {
            if let h = node.ancestor(level).cell("interrupt-parent") { return self.node(phandle: h) }
            level -= 1
        }
        return nil
    }
}

/// Whether [base, base + bytes) meets [start, start + size).
func rangesMeet(_ base: UInt64, _ bytes: UInt64, _ start: UInt64, _ size: UInt64) -> Bool {
    base < start &+ size && start < base &+ bytes
}

/// A board described by a device tree (aarch64, riscv64): everything but how
/// its interrupt controller numbers lines comes from the tree.
protocol TreeBoard: DeviceBoard {
    /// The boot tree, kept for the kernel's whole life (its blob is reserved).
    static var bootTree: DeviceTree? { get }
    /// The line `s` names, if `s` is for this kernel's controller and names a line a task may have.
    static func line(_ s: InterruptSpecifier) -> UInt32?
}

extension TreeBoard {
    static func deviceRange(path: ByteString, index: Int) throws(BoardRefusal) -> BoardRange {
        guard let tree = bootTree else { throw .noDevice }
        let r = try tree.registers(path: path, index: index)
        return .registers(base: r.base, bytes: r.bytes)
    }

    static func deviceLine(path: ByteString, index: Int) throws(BoardRefusal) -> UInt32 {
        guard let tree = bootTree, let n = tree.device(at: path), n.isEnabled, let s = tree.interrupt(of: n, index: index),
            let line = line(s)
        else { throw .noDevice }
        return line
    }

    /// No port space: a tree board's devices are all memory-mapped (no port region is ever made).
    static func portRead(_ port: UInt16, width: Int) -> UInt32 { 0 }
    static func portWrite(_ port: UInt16, width: Int, _ value: UInt32) {}
}
