// What a task writes to the console, as the console shows it: every line
// starts with the task's name and "> ", and control bytes (carriage return,
// escape, ...) and bytes past ASCII are shown as \xNN. So no task can write a
// line that starts like the kernel's own (`KERNEL OK ...`), move the cursor
// over earlier output, or hide its name: the boot tests and a reader can tell
// kernel lines from task lines. One control byte passes: a backspace, while
// the task's own text on the line has a column to step back over (so a shell
// can erase what it echoed, but never its name or anyone else's text).

enum TaskOutput {
    static let backspace: UInt8 = 8

    /// Emit `count` bytes at `bytes` from the task `name`; `column` carries,
    /// per task, where its last write left its line: nil if it ended the line
    /// (the next byte starts a new one, with the name), else how many columns
    /// of its own text the line shows after the name.
    static func write(
        _ bytes: UnsafeRawPointer, count: Int, name: UnsafeRawBufferPointer, column: inout Int?,
        emit: (UInt8) -> Void
    ) {
        for i in 0..<count {
            let b = bytes.load(fromByteOffset: i, as: UInt8.self)
            var shown = column ?? 0
            if column == nil {
                for j in 0..<name.count { emit(name[j]) }
                emit(62); emit(32)  // "> "
            }
            if b == 10 {
                emit(10)
                column = nil
                continue
            } else if b == backspace && shown > 0 {
                emit(b)
                shown -= 1
            } else if b < 32 || b >= 127 {
                emit(92); emit(120)  // "\x"
                emit(hexDigit(b >> 4)); emit(hexDigit(b & 15))
                shown += 4
            } else {
                emit(b)
                shown += 1
            }
            column = shown
        }
    }

    private static func hexDigit(_ n: UInt8) -> UInt8 { n < 10 ? 48 + n : 87 + n }
}
