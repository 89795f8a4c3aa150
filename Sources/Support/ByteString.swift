// A borrowed run of bytes (a command line, a device-tree string) with the few
// operations boot parsing needs. It never allocates.

struct ByteString {
    let base: UnsafePointer<UInt8>?
    let count: Int

    init(base: UnsafePointer<UInt8>?, count: Int) { self.base = base; self.count = count }

    /// The bytes of a NUL-terminated string, at most `limit` long.
    init(cString: UnsafePointer<UInt8>, limit: Int) {
        var n = 0
        while n < limit && cString[n] != 0 { n += 1 }
        self.init(base: cString, count: n)
    }

    subscript(i: Int) -> UInt8 { base![i] }

    func equals(_ s: StaticString) -> Bool {
        if s.utf8CodeUnitCount != count { return false }
        return hasPrefix(s)
    }

    func hasPrefix(_ s: StaticString) -> Bool {
        if s.utf8CodeUnitCount > count { return false }
        let p = s.utf8Start
        for i in 0..<s.utf8CodeUnitCount where p[i] != self[i] { return false }
        return true
    }

    func dropFirst(_ n: Int) -> ByteString {
        let k = min(n, count)
        return ByteString(base: base.map { $0 + k }, count: count - k)
    }

    /// The number the bytes spell in decimal; nil if empty, not all digits, or too big.
    var decimalValue: UInt64? {
        if count == 0 || count > 19 { return nil }
        var v: UInt64 = 0
        for i in 0..<count {
            let c = self[i]
            if c < 48 || c > 57 { return nil }
            v = v * 10 + UInt64(c - 48)
        }
        return v
    }

    /// The value of the first `key=value` word (words split on spaces), or nil.
    func value(of key: StaticString) -> ByteString? {
        var i = 0
        while i < count {
            while i < count && self[i] == 32 { i += 1 }
            let start = i
            while i < count && self[i] != 32 { i += 1 }
            let word = ByteString(base: base.map { $0 + start }, count: i - start)
            if word.count > key.utf8CodeUnitCount && word.hasPrefix(key)
                && word[key.utf8CodeUnitCount] == 61
            {  // '='
                return word.dropFirst(key.utf8CodeUnitCount + 1)
            }
        }
        return nil
    }
}

extension ByteString {
    /// The big-endian 32-bit word at byte `offset` (the caller checks the bounds).
    func bigEndian32(_ offset: Int) -> UInt32 {
        var v: UInt32 = 0
        for i in 0..<4 { v = v << 8 | UInt32(self[offset + i]) }
        return v
    }

    /// True if one of the NUL-separated strings in these bytes equals `s`.
    func contains(_ s: StaticString) -> Bool {
        var start = 0
        while start < count {
            var end = start
            while end < count && self[end] != 0 { end += 1 }
            if ByteString(base: base.map { $0 + start }, count: end - start).equals(s) { return true }
            start = end + 1
        }
        return false
    }
}

extension ByteString {
    /// True if one of the space-separated words is exactly `word`.
    func hasWord(_ word: StaticString) -> Bool {
        var i = 0
        while i < count {
            while i < count && self[i] == 32 { i += 1 }
            let start = i
            while i < count && self[i] != 32 { i += 1 }
            if ByteString(base: base.map { $0 + start }, count: i - start).equals(word) { return true }
        }
        return false
    }
}
