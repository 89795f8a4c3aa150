// The allocation trace format (docs/heap.md): one operation per line,
//   a ID SIZE          allocate
//   m ID SIZE ALIGN    aligned allocate (ALIGN a power of two)
//   r ID SIZE          realloc
//   f ID               free
// `#` starts a comment line; IDs are decimal. A malformed line, or an ID used
// in a way its lifetime does not allow, stops the replay with the line number.
// The parser reads bytes, not Strings: a 200,000-line trace parses in a few
// milliseconds, so profilers (callgrind) spend their time on the replay.

enum TraceOp {
    case allocate(id: Int, size: Int)
    case aligned(id: Int, size: Int, alignment: Int)
    case reallocate(id: Int, size: Int)
    case free(id: Int)
}

struct TraceError: Error, CustomStringConvertible {
    let line: Int
    let message: String
    var description: String { "line \(line): \(message)" }
}

struct Trace {
    var ops: [TraceOp] = []
    /// One past the largest ID: replayers keep a pointer per ID in an array this long.
    var idCount = 0
    /// The largest size any operation asks for.
    var largestRequest = 0

    /// Parse and check a whole trace before anything is timed.
    init(bytes: [UInt8]) throws {
        var live: [Bool] = []  // by ID
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let fields = Trace.fields(bytes[start..<end])
            start = end + 1
            if fields.isEmpty || bytes[fields[0].lowerBound] == UInt8(ascii: "#") { continue }
            /// The line as written (between its first and last field), for error messages only.
            func text() -> String { String(decoding: bytes[fields[0].lowerBound..<fields[fields.count - 1].upperBound], as: UTF8.self) }
            func fail(_ message: String) -> TraceError { TraceError(line: lineNumber, message: message) }
            func number(_ i: Int) throws -> Int {
                guard i < fields.count, let v = Trace.decimal(bytes[fields[i]]) else {
                    throw fail("expected a decimal number in '\(text())'")
                }
                return v
            }
            let name = fields[0].count == 1 ? bytes[fields[0].lowerBound] : 0
            let expected: Int
            let op: TraceOp
            switch name {
            case UInt8(ascii: "a"): expected = 3; op = .allocate(id: try number(1), size: try number(2))
            case UInt8(ascii: "m"):
                expected = 4
                let alignment = try number(3)
                if alignment == 0 || alignment & (alignment - 1) != 0 { throw fail("alignment \(alignment) is not a power of two") }
                op = .aligned(id: try number(1), size: try number(2), alignment: alignment)
            case UInt8(ascii: "r"): expected = 3; op = .reallocate(id: try number(1), size: try number(2))
            case UInt8(ascii: "f"): expected = 2; op = .free(id: try number(1))
            default: throw fail("unknown operation '\(String(decoding: bytes[fields[0]], as: UTF8.self))'")
            }
            if fields.count != expected { throw fail("expected \(expected) fields in '\(text())'") }
            switch op {
            case .allocate(let id, let size), .aligned(let id, let size, _):
                if id >= live.count { live += [Bool](repeating: false, count: id + 1 - live.count) }
                if live[id] { throw fail("ID \(id) is already live") }
                live[id] = true
                idCount = max(idCount, id + 1)
                largestRequest = max(largestRequest, size)
            case .reallocate(let id, let size):
                if id >= live.count || !live[id] { throw fail("realloc of unknown ID \(id)") }
                largestRequest = max(largestRequest, size)
            case .free(let id):
                if id >= live.count || !live[id] { throw fail("free of unknown ID \(id)") }
                live[id] = false
            }
            ops.append(op)
        }
    }

    init(text: String) throws { try self.init(bytes: Array(text.utf8)) }

    /// The index ranges of a line's space- or tab-separated fields (a trailing \r is space).
    static func fields(_ line: ArraySlice<UInt8>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = line.startIndex
        func blank(_ c: UInt8) -> Bool { c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") }
        while i < line.endIndex {
            while i < line.endIndex && blank(line[i]) { i += 1 }
            let s = i
            while i < line.endIndex && !blank(line[i]) { i += 1 }
            if i > s { out.append(s..<i) }
        }
        return out
    }

    /// A decimal number of at most 18 digits, or nil.
    static func decimal(_ digits: ArraySlice<UInt8>) -> Int? {
        if digits.isEmpty || digits.count > 18 { return nil }
        var v = 0
        for c in digits {
            guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { return nil }
            v = v * 10 + Int(c - UInt8(ascii: "0"))
        }
        return v
    }
}
