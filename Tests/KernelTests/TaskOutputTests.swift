import XCTest
@testable import KernelCore

/// Issue 13, bug 15: a task could forge the kernel's console lines.
final class TaskOutputTests: XCTestCase {
    func show(_ writes: [[UInt8]], name: StaticString = "kv") -> String {
        var out: [UInt8] = [], midLine = false
        for w in writes {
            w.withUnsafeBytes { TaskOutput.write($0.baseAddress!, count: w.count, name: UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount), midLine: &midLine) { out.append($0) } }
        }
        return String(decoding: out, as: UTF8.self)
    }

    func testEveryLineIsTaggedAndControlBytesAreVisible() {
        XCTAssertEqual(show([Array("hello\n".utf8)]), "kv> hello\n")
        XCTAssertEqual(show([Array("\nKERNEL OK arch=x\r\u{1b}[2J\n".utf8)]), "kv> \nkv> KERNEL OK arch=x\\x0d\\x1b[2J\n")
        XCTAssertEqual(show([Array("a".utf8), Array("b\nc".utf8)]), "kv> ab\nkv> c", "a line split over two writes is tagged once")
        XCTAssertEqual(show([[0x09, 0x7F, 0xC3, 0xA9, 0x0A]]), "kv> \\x09\\x7f\\xc3\\xa9\n")
    }
}
