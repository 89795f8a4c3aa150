import XCTest

/// The heap benchmark's trace format (docs/heap.md). TraceFormat.swift is a
/// link to Bench/HeapBench/Trace.swift, so this is the parser heap-bench runs.
final class TraceFormatTests: XCTestCase {
    private func parse(_ text: String) throws -> Trace { try Trace(text: text) }

    /// The error a bad trace stops with: its line number and message.
    private func failure(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> TraceError? {
        do {
            _ = try parse(text)
            XCTFail("trace was accepted", file: file, line: line)
            return nil
        } catch let e as TraceError {
            return e
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return nil
        }
    }

    func testEveryOperationParsesWithCommentsBlankLinesAndCRLF() throws {
        let t = try parse("# a comment\n\na 3 100\r\nm 0 64 4096\n  r 3 200 \nf 3\nf 0\n")
        XCTAssertEqual(t.ops.count, 5)
        XCTAssertEqual(t.idCount, 4)
        XCTAssertEqual(t.largestRequest, 200)
        guard case .allocate(3, 100) = t.ops[0], case .aligned(0, 64, 4096) = t.ops[1],
            case .reallocate(3, 200) = t.ops[2], case .free(3) = t.ops[3], case .free(0) = t.ops[4]
        else {
            return XCTFail("operations decoded wrongly: \(t.ops)")
        }
    }

    func testAnIDMayBeReusedAfterItIsFreed() throws {
        XCTAssertEqual(try parse("a 1 8\nf 1\na 1 16\nf 1").ops.count, 4)
    }

    func testUnknownOperationStopsAtItsLine() {
        let e = failure("a 1 8\n# fine\nx 1 8\n")
        XCTAssertEqual(e?.line, 3)
        XCTAssertEqual(e?.message, "unknown operation 'x'")
        XCTAssertEqual(failure("alloc 1 8")?.message, "unknown operation 'alloc'")
    }

    func testMalformedNumbersAndFieldCounts() {
        XCTAssertEqual(failure("a 1 -8")?.message, "expected a decimal number in 'a 1 -8'")
        XCTAssertEqual(failure("a 1 8x")?.message, "expected a decimal number in 'a 1 8x'")
        XCTAssertEqual(failure("a 1")?.message, "expected a decimal number in 'a 1'")
        XCTAssertEqual(failure("a 1 99999999999999999999")?.line, 1)
        XCTAssertEqual(failure("a 1 8 9")?.message, "expected 3 fields in 'a 1 8 9'")
        XCTAssertEqual(failure("a 1 8\nf 1 2")?.message, "expected 2 fields in 'f 1 2'")
    }

    func testAlignmentMustBeAPowerOfTwo() {
        XCTAssertEqual(failure("m 1 8 48")?.message, "alignment 48 is not a power of two")
        XCTAssertEqual(failure("m 1 8 0")?.message, "alignment 0 is not a power of two")
    }

    func testLifetimeErrorsNameTheID() {
        XCTAssertEqual(failure("a 1 8\nf 2")?.message, "free of unknown ID 2")
        XCTAssertEqual(failure("a 1 8\nf 1\nf 1").map { "\($0)" }, "line 3: free of unknown ID 1")
        XCTAssertEqual(failure("r 5 8")?.message, "realloc of unknown ID 5")
        XCTAssertEqual(failure("a 1 8\na 1 8")?.message, "ID 1 is already live")
    }
}
