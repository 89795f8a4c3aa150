// The key-value service's protocol, shared by the server and its clients:
// word0 is the operation, word1 and the buffer carry its operands.

enum KV {
    /// Buffer: the client's name. Reply: (0, 0).
    static let hello: UInt = 1
    /// word1 = key, buffer = the value's 8 bytes. Reply: (1 if it replaced a value, keys stored).
    static let put: UInt = 2
    /// word1 = key. Reply: (1 if found, the value).
    static let get: UInt = 3
    /// word1 = n. Reply: (n + 1, 0).
    static let ping: UInt = 4
    /// Reply: (requests served, keys stored).
    static let stats: UInt = 5
}

extension KV {
    /// Reply: (the new capability's badge, 0), the capability carried to the caller's landing slot.
    static let session: UInt = 6
    /// Session badges are this plus a count, apart from the manifest's client badges.
    static let sessionBadges: UInt = 900
}
