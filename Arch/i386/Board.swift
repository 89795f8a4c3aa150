// The i386 board: the legacy PC devices of Devices/LegacyDevices.swift; their
// ports are reached through the port system calls (portRead, portWrite),
// which check the caller's port region first (docs/drivers.md argues the call
// against a per-task I/O permission bitmap).

extension I386: DeviceBoard {
    static func deviceRange(path: ByteString, index: Int) throws(BoardRefusal) -> BoardRange {
        try LegacyDevices.range(path: path, index: index)
    }

    static func deviceLine(path: ByteString, index: Int) throws(BoardRefusal) -> UInt32 {
        try LegacyDevices.line(path: path, index: index)
    }

    static func portRead(_ port: UInt16, width: Int) -> UInt32 {
        width == 1 ? UInt32(inb(port)) : width == 2 ? UInt32(inw(port)) : inl(port)
    }

    static func portWrite(_ port: UInt16, width: Int, _ value: UInt32) {
        switch width {
        case 1: outb(port, UInt8(truncatingIfNeeded: value))
        case 2: outw(port, UInt16(truncatingIfNeeded: value))
        default: outl(port, value)
        }
    }
}
