// The strategy chosen at boot (`pt=` on the kernel command line). Embedded
// Swift has no existentials, so the choice is a kind plus the strategies as
// stored values; every call is a switch on the kind that mutates the chosen
// strategy in place. (An enum with payloads copied the strategy on every call:
// growth cost 539-1415 instructions per page on i386 that way, 228-586 this way.)

struct TableStrategy: TableProvisioning {
    enum Kind: Equatable { case spare, prereserved, direct, pool, tail }
    let kind: Kind
    private(set) var spare = SpareReserve(capacity: 1)
    private(set) var prereserved = PrereservedRange()
    private(set) var direct = DirectFromFrames()
    private(set) var pool = TablePool(size: 0)
    private(set) var tail = HeapTail(capacity: 1)

    static let valid: StaticString = "spare, prereserve, direct, pool:N (N = 0...64), tail"

    /// The strategy named by `text` (the value of `pt=`), for a format with `levels` levels.
    static func parse(_ text: ByteString, levels: Int) -> TableStrategy? {
        if text.equals("spare") { return TableStrategy(kind: .spare, spare: SpareReserve(capacity: levels - 1)) }
        if text.equals("prereserve") { return TableStrategy(kind: .prereserved) }
        if text.equals("direct") { return TableStrategy(kind: .direct) }
        if text.equals("tail") { return TableStrategy(kind: .tail, tail: HeapTail(capacity: levels - 1)) }
        if text.hasPrefix("pool:"), let n = text.dropFirst(5).decimalValue, n <= UInt64(TablePool.maximum) {
            return TableStrategy(kind: .pool, pool: TablePool(size: Int(n)))
        }
        return nil
    }

    private init(
        kind: Kind, spare: SpareReserve = SpareReserve(capacity: 1), pool: TablePool = TablePool(size: 0),
        tail: HeapTail = HeapTail(capacity: 1)
    ) {
        self.kind = kind
        self.spare = spare
        self.pool = pool
        self.tail = tail
    }

    var name: StaticString {
        switch kind {
        case .spare: "spare"
        case .prereserved: "prereserve"
        case .direct: "direct"
        case .pool: "pool"
        case .tail: "tail"
        }
    }

    mutating func takeTable(frames: inout FrameAllocator) -> Frame? {
        switch kind {
        case .spare: spare.takeTable(frames: &frames)
        case .prereserved: prereserved.takeTable(frames: &frames)
        case .direct: direct.takeTable(frames: &frames)
        case .pool: pool.takeTable(frames: &frames)
        case .tail: tail.takeTable(frames: &frames)
        }
    }

    mutating func vacate<A: Architecture>(_ first: Page, count: Int, space: AddressSpace<A>) {
        if kind == .tail { tail.vacate(first, count: count, space: space) }  // only the tail keeps pages in the window
    }

    mutating func replenish<A: Architecture>(space: AddressSpace<A>, next: Page, frames: inout FrameAllocator) {
        switch kind {
        case .spare: spare.replenish(space: space, next: next, frames: &frames)
        case .tail: tail.replenish(space: space, next: next, frames: &frames)
        case .prereserved, .direct, .pool: break  // no reserve to refill
        }
    }

    mutating func prepare<A: Architecture>(
        space: AddressSpace<A>, window: VirtualRange,
        frames: inout FrameAllocator
    ) -> Bool {
        switch kind {
        case .spare: spare.prepare(space: space, window: window, frames: &frames)
        case .prereserved: prereserved.prepare(space: space, window: window, frames: &frames)
        case .direct: direct.prepare(space: space, window: window, frames: &frames)
        case .pool: pool.prepare(space: space, window: window, frames: &frames)
        case .tail: tail.prepare(space: space, window: window, frames: &frames)
        }
    }

    var heldFrames: Int {
        switch kind {
        case .spare: spare.heldFrames
        case .prereserved: prereserved.heldFrames
        case .direct: direct.heldFrames
        case .pool: pool.heldFrames
        case .tail: tail.heldFrames
        }
    }

    var tablesGiven: Int {
        switch kind {
        case .spare: spare.tablesGiven
        case .prereserved: prereserved.tablesGiven
        case .direct: direct.tablesGiven
        case .pool: pool.tablesGiven
        case .tail: tail.tablesGiven
        }
    }

    func isGuard(_ page: Page) -> Bool { kind == .tail && tail.isGuard(page) }

    var keepsEmptyTables: Bool { kind == .prereserved }

    mutating func takeBack(_ table: Frame, frames: inout FrameAllocator) {
        switch kind {
        case .spare: spare.takeBack(table, frames: &frames)
        case .prereserved: prereserved.takeBack(table, frames: &frames)
        case .direct: direct.takeBack(table, frames: &frames)
        case .pool: pool.takeBack(table, frames: &frames)
        case .tail: tail.takeBack(table, frames: &frames)
        }
    }
}
