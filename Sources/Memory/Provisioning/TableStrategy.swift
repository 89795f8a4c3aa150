// The strategy chosen at boot (`pt=` on the kernel command line). Embedded
// Swift has no existentials, so the choice is an enum that forwards to the
// concrete strategy; every path stays statically dispatched.

enum TableStrategy: TableProvisioning {
    case spare(SpareReserve)
    case prereserved(PrereservedRange)
    case direct(DirectFromFrames)
    case pool(TablePool)
    case tail(HeapTail)

    static let valid: StaticString = "spare, prereserve, direct, pool:N (N = 0...64), tail"

    /// The strategy named by `text` (the value of `pt=`), for a format with `levels` levels.
    static func parse(_ text: ByteString, levels: Int) -> TableStrategy? {
        if text.equals("spare") { return .spare(SpareReserve(capacity: levels - 1)) }
        if text.equals("prereserve") { return .prereserved(PrereservedRange()) }
        if text.equals("direct") { return .direct(DirectFromFrames()) }
        if text.equals("tail") { return .tail(HeapTail(capacity: levels - 1)) }
        if text.hasPrefix("pool:"), let n = text.dropFirst(5).decimalValue, n <= UInt64(TablePool.maximum) {
            return .pool(TablePool(size: Int(n)))
        }
        return nil
    }

    var name: StaticString {
        switch self {
        case .spare: "spare"
        case .prereserved: "prereserve"
        case .direct: "direct"
        case .pool: "pool"
        case .tail: "tail"
        }
    }

    mutating func takeTable(frames: inout FrameAllocator) -> Frame? {
        switch self {
        case .spare(var s): defer { self = .spare(s) }; return s.takeTable(frames: &frames)
        case .prereserved(var s): defer { self = .prereserved(s) }; return s.takeTable(frames: &frames)
        case .direct(var s): defer { self = .direct(s) }; return s.takeTable(frames: &frames)
        case .pool(var s): defer { self = .pool(s) }; return s.takeTable(frames: &frames)
        case .tail(var s): defer { self = .tail(s) }; return s.takeTable(frames: &frames)
        }
    }

    mutating func vacate<A: Architecture>(_ page: Page, space: AddressSpace<A>) {
        switch self {
        case .tail(var s): s.vacate(page, space: space); self = .tail(s)
        default: break   // only the tail keeps anything mapped in the window
        }
    }

    mutating func replenish<A: Architecture>(space: AddressSpace<A>, next: Page, frames: inout FrameAllocator) {
        switch self {
        case .spare(var s): s.replenish(space: space, next: next, frames: &frames); self = .spare(s)
        case .tail(var s): s.replenish(space: space, next: next, frames: &frames); self = .tail(s)
        default: break   // the others keep no reserve to refill
        }
    }

    mutating func prepare<A: Architecture>(space: AddressSpace<A>, window: VirtualRange,
                                           frames: inout FrameAllocator) -> Bool {
        switch self {
        case .spare(var s): defer { self = .spare(s) }; return s.prepare(space: space, window: window, frames: &frames)
        case .prereserved(var s): defer { self = .prereserved(s) }; return s.prepare(space: space, window: window, frames: &frames)
        case .direct(var s): defer { self = .direct(s) }; return s.prepare(space: space, window: window, frames: &frames)
        case .pool(var s): defer { self = .pool(s) }; return s.prepare(space: space, window: window, frames: &frames)
        case .tail(var s): defer { self = .tail(s) }; return s.prepare(space: space, window: window, frames: &frames)
        }
    }

    var heldFrames: Int {
        switch self {
        case .spare(let s): s.heldFrames
        case .prereserved(let s): s.heldFrames
        case .direct(let s): s.heldFrames
        case .pool(let s): s.heldFrames
        case .tail(let s): s.heldFrames
        }
    }

    var tablesGiven: Int {
        switch self {
        case .spare(let s): s.tablesGiven
        case .prereserved(let s): s.tablesGiven
        case .direct(let s): s.tablesGiven
        case .pool(let s): s.tablesGiven
        case .tail(let s): s.tablesGiven
        }
    }

    func isGuard(_ page: Page) -> Bool {
        if case .tail(let s) = self { return s.isGuard(page) }
        return false
    }
}
