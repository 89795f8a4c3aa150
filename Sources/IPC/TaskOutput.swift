// What a task writes to the console, as the console shows it: every line
// starts with the task's name and "> ", and control bytes (carriage return,
// escape, ...) and bytes past ASCII are shown as \xNN. So no task can write a
// line that starts like the kernel's own (`KERNEL OK ...`), move the cursor
// over earlier output, or hide its name: the boot tests and a reader can tell
// kernel lines from task lines.

enum TaskOutput {
    /// Emit `count` bytes at `bytes` from the task `name`; `midLine` carries,
    /// per task, whether its last write ended inside a line.
    static func write(
        _ bytes: UnsafeRawPointer, count: Int, name: UnsafeRawBufferPointer, midLine: inout Bool,
        emit: (UInt8) -> Void
    ) {
        for i in 0..<count {
            let b = bytes.load(fromByteOffset: i, as: UInt8.self)
            if !midLine {
                for j in 0..<name.count { emit(name[j]) }
                emit(62); emit(32)  // "> "
                midLine = true
            }
            if b == 10 {
                emit(10)
                midLine = false
            } else if b < 32 || b >= 127 {
                emit(92); emit(120)  // "\x"
                emit(hexDigit(b >> 4)); emit(hexDigit(b & 15))
            } else {
                emit(b)
            }
        }
    }

    private static func hexDigit(_ n: UInt8) -> UInt8 { n < 10 ? 48 + n : 87 + n }
}
