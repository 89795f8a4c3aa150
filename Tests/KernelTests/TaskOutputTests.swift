import XCTest

@testable import KernelCore

/// Issue 13, bug 15: a task could forge the kernel's console lines.
final class TaskOutputTests: XCTestCase {
    func show(_ writes: [[UInt8]], name: StaticString = "kv") -> String {
        var out: [UInt8] = [], column: Int? = nil
        for w in writes {
            w.withUnsafeBytes {
                TaskOutput.write(
                    $0.baseAddress!, count: w.count, name: UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount),
                    column: &column
                ) { out.append($0) }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    func testEveryLineIsTaggedAndControlBytesAreVisible() {
        XCTAssertEqual(show([Array("hello\n".utf8)]), "kv> hello\n")
        XCTAssertEqual(show([Array("\nKERNEL OK arch=x\r\u{1b}[2J\n".utf8)]), "kv> \nkv> KERNEL OK arch=x\\x0d\\x1b[2J\n")
        XCTAssertEqual(show([Array("a".utf8), Array("b\nc".utf8)]), "kv> ab\nkv> c", "a line split over two writes is tagged once")
        XCTAssertEqual(show([[0x09, 0x7F, 0xC3, 0xA9, 0x0A]]), "kv> \\x09\\x7f\\xc3\\xa9\n")
    }

    /// Issue 22, §7: a shell erases what it echoed, and nothing else.
    func testABackspaceStepsBackOnlyOverTheTasksOwnText() {
        XCTAssertEqual(show([Array("ab".utf8), [8, 32, 8]]), "kv> ab\u{8} \u{8}", "over its own text, across writes")
        XCTAssertEqual(show([[8]]), "kv> \\x08", "never over its name")
        XCTAssertEqual(show([Array("a".utf8), [8, 8]]), "kv> a\u{8}\\x08", "one column of text, one step back")
        XCTAssertEqual(show([Array("a\n".utf8), [8]]), "kv> a\nkv> \\x08", "never onto the line before")
        XCTAssertEqual(show([[0x1B, 8, 8, 8, 8, 8]]), "kv> \\x1b\u{8}\u{8}\u{8}\u{8}\\x08", "an escaped byte's four columns")
    }
}

/// Who owns the console's line (Sources/Support/ConsoleLine.swift).
final class ConsoleLineTests: XCTestCase {
    func testAWriterNeverContinuesAnotherWritersOpenLine() {
        var c = ConsoleLine()
        XCTAssertFalse(c.take(for: ConsoleLine.kernel), "nothing is open at first")
        c.wrote(65)
        XCTAssertFalse(c.take(for: ConsoleLine.kernel), "the kernel goes on with its own line")
        c.wrote(10)
        XCTAssertFalse(c.take(for: 3), "a closed line needs no newline")
        c.ended(column: 2)
        XCTAssertTrue(c.isOpen(by: 3))
        XCTAssertFalse(c.isOpen(by: 4))
        XCTAssertEqual(c.column(of: 3), 2, "task 3's text keeps its columns")
        XCTAssertNil(c.column(of: 4))
        XCTAssertFalse(c.take(for: 3), "task 3 goes on with its own line")
        XCTAssertTrue(c.take(for: ConsoleLine.kernel), "the kernel closes task 3's line first")
        XCTAssertFalse(c.isOpen(by: 3), "task 3 starts a new line (and prefix) next time")
        XCTAssertNil(c.column(of: 3), "with no columns to step back over")
        c.wrote(66)
        XCTAssertTrue(c.take(for: 4), "and a task closes the kernel's open line")
    }
}

/// Issue 21, bug 5.1: a 4,095-byte region was printed as "(3 KiB)".
final class ExactSizeTests: XCTestCase {
    func testASizeIsStatedExactly() {
        func text(_ b: UInt64) -> String { let s = ExactSize.of(b); return "\(s.value) \(s.unit)" }
        XCTAssertEqual(text(4095), "4095 bytes")
        XCTAssertEqual(text(4096), "4 KiB")
        XCTAssertEqual(text(3 << 20), "3 MiB")
        XCTAssertEqual(text((3 << 20) + 4096), "3076 KiB")
        XCTAssertEqual(text(0), "0 bytes")
        XCTAssertEqual(text(1023), "1023 bytes")
    }
}
