// Device lines for tasks (Sources/IPC/InterruptObjects.swift): not yet on
// i386. Its 8259 PIC side is issue 22 §2's next step; until then the
// controller gives no line to a task, so createInterrupt is refused with
// badRequest and nothing is made.

extension I386: DeviceLines {
    static func enableDeviceLine(_ line: UInt32) -> Bool { false }
    static func unmaskDeviceLine(_ line: UInt32) {}
}
