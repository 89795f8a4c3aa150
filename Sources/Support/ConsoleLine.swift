// Who owns the console's current line. Kernel and task output share one
// serial line, and a writer must never continue a line another writer left
// open: a task that stops inside a line and then the kernel's report would
// read as one line ("...the others run ontasks: ..."), and a task could make
// a kernel line look like its own. So each writer, before its first byte,
// closes a line another writer left open; a task whose line was closed by
// someone else starts a new one (with its name again, TaskOutput.swift).

struct ConsoleLine {
    /// The kernel's writer number; tasks write as their thread id.
    static let kernel = -1
    private(set) var writer = ConsoleLine.kernel
    /// The current line has bytes and no newline yet.
    private(set) var open = false
    /// A task's open line: the columns of its own text (TaskOutput.write's `column`).
    private var columns = 0

    /// `w` is about to write. True if a newline must come first: another
    /// writer's line is open (it is closed now, and the line is `w`'s).
    mutating func take(for w: Int) -> Bool {
        let cut = open && writer != w
        writer = w
        if cut { open = false }
        return cut
    }

    /// True if `w` wrote last and its line is still open (it goes on without a new prefix).
    func isOpen(by w: Int) -> Bool { open && writer == w }

    /// Where task `w`'s line stands for TaskOutput.write: its columns if `w`'s line is open, else nil.
    func column(of w: Int) -> Int? { isOpen(by: w) ? columns : nil }

    /// The current writer's last byte was `b`.
    @inline(__always) mutating func wrote(_ b: UInt8) { open = b != 10 }

    /// The current writer (a task) left its line at `column` (nil: ended).
    mutating func ended(column: Int?) {
        open = column != nil
        columns = column ?? 0
    }
}
