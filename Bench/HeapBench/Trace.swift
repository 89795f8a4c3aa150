// The allocation trace format (docs/heap.md): one operation per line,
//   a ID SIZE          allocate
//   m ID SIZE ALIGN    aligned allocate (ALIGN a power of two)
//   r ID SIZE          realloc
//   f ID               free
// `#` starts a comment line; IDs are decimal. A malformed line, or an ID used
// in a way its lifetime does not allow, stops the replay with the line number.

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
    init(text: String) throws {
        var live = Set<Int>()
        var lineNumber = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = raw.trimmingCharacters(in: " \t\r")
            if line.isEmpty || line.hasPrefix("#") { continue }
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            func number(_ i: Int) throws -> Int {
                guard i < f.count, let v = Int(f[i]), v >= 0 else {
                    throw TraceError(line: lineNumber, message: "expected a decimal number in '\(line)'")
                }
                return v
            }
            let expected: Int
            let op: TraceOp
            switch f[0] {
            case "a": expected = 3; op = .allocate(id: try number(1), size: try number(2))
            case "m":
                expected = 4
                let alignment = try number(3)
                if alignment == 0 || alignment & (alignment - 1) != 0 {
                    throw TraceError(line: lineNumber, message: "alignment \(alignment) is not a power of two")
                }
                op = .aligned(id: try number(1), size: try number(2), alignment: alignment)
            case "r": expected = 3; op = .reallocate(id: try number(1), size: try number(2))
            case "f": expected = 2; op = .free(id: try number(1))
            default: throw TraceError(line: lineNumber, message: "unknown operation '\(f[0])'")
            }
            if f.count != expected { throw TraceError(line: lineNumber, message: "expected \(expected) fields in '\(line)'") }
            switch op {
            case .allocate(_, let size), .aligned(_, let size, _), .reallocate(_, let size): largestRequest = max(largestRequest, size)
            case .free: break
            }
            switch op {
            case .allocate(let id, _), .aligned(let id, _, _):
                if !live.insert(id).inserted { throw TraceError(line: lineNumber, message: "ID \(id) is already live") }
                idCount = max(idCount, id + 1)
            case .reallocate(let id, _):
                if !live.contains(id) { throw TraceError(line: lineNumber, message: "realloc of unknown ID \(id)") }
            case .free(let id):
                if live.remove(id) == nil { throw TraceError(line: lineNumber, message: "free of unknown ID \(id)") }
            }
            ops.append(op)
        }
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return s
    }
}
