// A system call's six words turned into a checked request. Everything a task
// controls is checked here, before the kernel acts on any of it: the number,
// lengths against their limits, that each capability slot holds the object
// and rights the call needs, and that each buffer lies in the task's memory
// with the access the kernel will make (read what it copies in, write what it
// copies out). A refused call changes nothing. Pure and generic, so the host
// tests drive every refusal.

enum SyscallRequest: Equatable {
    case debugWrite(address: UInt, length: Int)
    case yield
    case exit(status: UInt)
    case sbrk(increment: UInt)
    /// `carry`: the caller's slot of a capability to pass (checked: held with
    /// grant), or -1; `landing`: where a capability in the reply may land, or -1.
    /// `badge`: that of the capability sent through, which the receiver sees.
    case send(
        endpoint: Int, badge: UInt, word0: UInt, word1: UInt, buffer: UInt, length: Int, call: Bool, blocking: Bool,
        carry: Int, landing: Int)
    /// `capacity` is already clamped to the message limit.
    case receive(endpoint: Int, buffer: UInt, capacity: Int, blocking: Bool, landing: Int)
    case reply(word0: UInt, word1: UInt, carry: Int)
    case replyWait(endpoint: Int, word0: UInt, word1: UInt, buffer: UInt, capacity: Int, carry: Int, landing: Int)
    case clock
    case derive(from: Int, to: Int, rights: Rights, badge: UInt)
    case delete(slot: Int)
    case createEndpoint(slot: Int)
    case createNotification(slot: Int)
    /// `badge`: that of the capability signalled through, ORed into the word.
    case signal(notification: Int, badge: UInt)
    /// waitSignal (blocking) and poll.
    case waitSignal(notification: Int, blocking: Bool)
    /// -1: unbind.
    case bind(notification: Int)
    /// deadline 0: cancel.
    case setTimer(notification: Int, badge: UInt, deadline: UInt64)
    case ack(interrupt: Int)
    case createInterrupt(slot: Int, line: UInt32, notification: Int, badge: UInt)
    case createRegion(slot: Int, bytes: UInt)
    /// `path`, `length`: the device's path in the caller's memory (checked readable).
    case createDevice(slot: Int, path: UInt, length: Int, index: Int)
    case deviceLine(path: UInt, length: Int, index: Int)
    case map(region: Int, address: UInt, writable: Bool)
    case regionInfo(region: Int)
    /// `width`: 1, 2 or 4; the offset is checked against the region by the kernel.
    case portRead(region: Int, offset: UInt, width: Int)
    case portWrite(region: Int, offset: UInt, width: Int, value: UInt)
    case attachConsole(region: Int, notification: Int, badge: UInt)
    /// `capacity`: already clamped to SyscallLimits.consoleReadBytes.
    case consoleRead(buffer: UInt, capacity: Int)
    /// The request's words are read from `address` and checked by SpawnRequest.decode.
    case spawn(address: UInt)
    case kill(task: Int)
    case wait(blocking: Bool)
    /// `buffer`: InspectTarget.bufferBytes the caller can write.
    case inspect(what: InspectTarget, index: UInt, buffer: UInt)
}

enum SyscallLimits {
    /// Bytes one debugWrite may print.
    static let debugWriteBytes = 256
    /// Bytes of a device's path (createDevice, deviceLine).
    static let devicePathBytes = 64
    /// Bytes one consoleRead takes at most.
    static let consoleReadBytes = 256
}

extension SyscallRequest {
    /// Decode the words `word(0)` ... `word(5)` of a call from thread `t`, whose
    /// capabilities are in `caps` and whose memory is `memory`.
    static func decode<A: Architecture>(
        _ word: (Int) -> UInt, thread t: ThreadID, caps: UnsafePointer<CapabilitySpace>,
        memory: UserMemory<A>
    ) throws(SyscallError) -> SyscallRequest {
        guard let call = Syscall(rawValue: word(0)) else { throw .badSyscall }
        let a1 = word(1), a2 = word(2), a3 = word(3), a4 = word(4), a5 = word(5)
        let slot1 = Int(bitPattern: a1)
        switch call {
        case .debugWrite:
            let n = Int(bitPattern: a2)
            guard n >= 0 && n <= SyscallLimits.debugWriteBytes else { throw .tooLong }
            guard memory.check(a1, n, .read) else { throw .badPointer }
            return .debugWrite(address: a1, length: n)
        case .yield: return .yield
        case .exit: return .exit(status: a1)
        case .sbrk: return .sbrk(increment: a1)
        case .clock: return .clock
        case .reply:
            let info = MessageInfo(word: a3)
            try checkCarry(info, t, caps)
            return .reply(word0: a1, word1: a2, carry: info.carry)
        case .send, .call, .trySend:
            let info = MessageInfo(word: a5)
            let (e, badge) = try caps.pointee.endpoint(t, slot1, needs: .send)
            guard info.length <= MessageLimits.bufferBytes else { throw .tooLong }
            try checkCarry(info, t, caps)
            try checkLandingNumber(info)
            guard memory.check(a4, info.length, .read) else { throw .badPointer }
            return .send(
                endpoint: e, badge: badge, word0: a2, word1: a3, buffer: a4, length: info.length, call: call == .call,
                blocking: call != .trySend, carry: info.carry, landing: call == .call ? info.landing : -1)
        case .receive, .tryReceive:
            let info = MessageInfo(word: a3)
            let e = try caps.pointee.endpoint(t, slot1, needs: .receive).endpoint
            try checkLandingNumber(info)
            let cap = min(info.length, MessageLimits.bufferBytes)
            guard memory.check(a2, cap, .write) else { throw .badPointer }
            return .receive(endpoint: e, buffer: a2, capacity: cap, blocking: call == .receive, landing: info.landing)
        case .replyWait:
            let info = MessageInfo(word: a5)
            let e = try caps.pointee.endpoint(t, slot1, needs: .receive).endpoint
            try checkCarry(info, t, caps)
            try checkLandingNumber(info)
            let cap = min(info.length, MessageLimits.bufferBytes)
            guard memory.check(a4, cap, .write) else { throw .badPointer }
            return .replyWait(
                endpoint: e, word0: a2, word1: a3, buffer: a4, capacity: cap, carry: info.carry,
                landing: info.landing)
        case .derive:
            guard let rights = Rights.decode(a3) else { throw .missingRight }
            return .derive(from: slot1, to: Int(bitPattern: a2), rights: rights, badge: a4)
        case .delete:
            return .delete(slot: slot1)
        case .signal, .waitSignal, .poll, .bind, .setTimer, .ack: return try decodeEventCall(call, slot1, a2, a3, t, caps)
        case .createInterrupt:
            try caps.pointee.checkControl(t, slot1, needs: .objects)
            return try decodeEventCall(call, Int(bitPattern: a4), a2, a3, t, caps)
        case .createRegion, .createDevice, .deviceLine, .map, .regionInfo, .portRead, .portWrite, .attachConsole, .consoleRead:
            return try decodeRegionCall(call, slot1, a2, a3, a4, a5, t, caps, memory)
        case .inspect:
            return try decodeInspect(slot1, a2, a3, a4, t, caps, memory)
        case .createEndpoint, .createNotification, .spawn, .kill, .wait, .tryWait:
            try caps.pointee.checkControl(t, slot1, needs: call == .createEndpoint || call == .createNotification ? .objects : .tasks)
            switch call {
            case .createEndpoint: return .createEndpoint(slot: Int(bitPattern: a2))
            case .createNotification: return .createNotification(slot: Int(bitPattern: a2))
            case .spawn:
                guard memory.check(a2, SpawnRequest.words * MemoryLayout<UInt>.size, .read) else { throw .badPointer }
                return .spawn(address: a2)
            case .kill: return .kill(task: Int(bitPattern: a2))
            default: return .wait(blocking: call == .wait)
            }
        }
    }

    /// The calls of notifications, timers and interrupts: out of line, so that
    /// the message calls' decoding (the IPC path) keeps its registers on i386.
    @inline(never)
    private static func decodeEventCall(
        _ call: Syscall, _ slot: Int, _ a2: UInt, _ a3: UInt, _ t: ThreadID, _ caps: UnsafePointer<CapabilitySpace>
    ) throws(SyscallError) -> SyscallRequest {
        switch call {
        case .createInterrupt:  // `slot`: the notification's; a2 the new object's slot, a3 the line
            guard a3 <= UInt(UInt32.max) else { throw .badRequest }
            let (n, badge) = try caps.pointee.notification(t, slot, needs: .signal)
            return .createInterrupt(slot: Int(bitPattern: a2), line: UInt32(a3), notification: n, badge: badge)
        case .ack:
            let c = try caps.pointee.lookup(t, slot)
            guard case .interrupt(let i) = c.object else { throw .wrongType }
            guard c.rights.contains(.ack) else { throw .missingRight }
            return .ack(interrupt: i)
        case .setTimer:
            let (n, badge) = try caps.pointee.notification(t, slot, needs: .signal)
            let deadline = MemoryLayout<UInt>.size == 8 ? UInt64(a2) : UInt64(a2) | UInt64(a3) << 32
            return .setTimer(notification: n, badge: badge, deadline: deadline)
        case .signal:
            let (n, badge) = try caps.pointee.notification(t, slot, needs: .signal)
            return .signal(notification: n, badge: badge)
        case .bind where slot == -1: return .bind(notification: -1)
        case .bind: return .bind(notification: try caps.pointee.notification(t, slot, needs: .wait).notification)
        default:
            return .waitSignal(
                notification: try caps.pointee.notification(t, slot, needs: .wait).notification, blocking: call == .waitSignal)
        }
    }

    /// The calls of regions and devices, out of line like the event calls.
    @inline(never)
    private static func decodeRegionCall<A: Architecture>(
        _ call: Syscall, _ slot: Int, _ a2: UInt, _ a3: UInt, _ a4: UInt, _ a5: UInt, _ t: ThreadID,
        _ caps: UnsafePointer<CapabilitySpace>, _ memory: UserMemory<A>
    ) throws(SyscallError) -> SyscallRequest {
        switch call {
        case .consoleRead:
            let capacity = min(Int(clamping: a2), SyscallLimits.consoleReadBytes)
            guard memory.check(UInt(bitPattern: slot), capacity, .write) else { throw .badPointer }
            return .consoleRead(buffer: UInt(bitPattern: slot), capacity: capacity)
        case .attachConsole:
            let c = try caps.pointee.lookup(t, slot)
            guard case .region(let r) = c.object else { throw .wrongType }
            guard c.rights.contains(.write) else { throw .missingRight }
            let (n, badge) = try caps.pointee.notification(t, Int(bitPattern: a2), needs: .signal)
            return .attachConsole(region: r, notification: n, badge: badge)
        case .createRegion, .createDevice, .deviceLine:
            try caps.pointee.checkControl(t, slot, needs: .objects)
            if call == .createRegion { return .createRegion(slot: Int(bitPattern: a2), bytes: a3) }
            // createDevice's path and index come one word later than deviceLine's (after the slot).
            let (path, length, index) = call == .createDevice ? (a3, a4, a5) : (a2, a3, a4)
            guard length > 0 && length <= UInt(SyscallLimits.devicePathBytes) else { throw .tooLong }
            guard index < 256 else { throw .noDevice }
            guard memory.check(path, Int(length), .read) else { throw .badPointer }
            if call == .deviceLine { return .deviceLine(path: path, length: Int(length), index: Int(index)) }
            return .createDevice(slot: Int(bitPattern: a2), path: path, length: Int(length), index: Int(index))
        default:
            let c = try caps.pointee.lookup(t, slot)
            guard case .region(let r) = c.object else { throw .wrongType }
            var needs = Rights.read
            if (call == .map && a3 != 0) || call == .portWrite { needs.insert(.write) }
            guard c.rights.isSuperset(of: needs) else { throw .missingRight }
            switch call {
            case .map: return .map(region: r, address: a2, writable: a3 != 0)
            case .regionInfo: return .regionInfo(region: r)
            default:
                guard a3 == 1 || a3 == 2 || a3 == 4 else { throw .badRequest }
                if call == .portRead { return .portRead(region: r, offset: a2, width: Int(a3)) }
                return .portWrite(region: r, offset: a2, width: Int(a3), value: a4)
            }
        }
    }

    /// inspect: the control capability with tasks, a known target, a buffer it can write.
    @inline(never)
    private static func decodeInspect<A: Architecture>(
        _ slot: Int, _ a2: UInt, _ a3: UInt, _ a4: UInt, _ t: ThreadID, _ caps: UnsafePointer<CapabilitySpace>,
        _ memory: UserMemory<A>
    ) throws(SyscallError) -> SyscallRequest {
        try caps.pointee.checkControl(t, slot, needs: .tasks)
        guard let what = InspectTarget(rawValue: a2) else { throw .badRequest }
        guard memory.check(a4, InspectTarget.bufferBytes, .write) else { throw .badPointer }
        return .inspect(what: what, index: a3, buffer: a4)
    }

    /// A capability to carry must be held with grant.
    private static func checkCarry(_ info: MessageInfo, _ t: ThreadID, _ caps: UnsafePointer<CapabilitySpace>) throws(SyscallError) {
        if info.carry >= 0 { try caps.pointee.checkTransfer(t, info.carry) }
    }

    /// A landing slot, if named, must be inside the table (whether it is empty
    /// is checked when a capability arrives).
    private static func checkLandingNumber(_ info: MessageInfo) throws(SyscallError) {
        if info.landing >= CapabilitySpace.slots { throw .badSlot }
    }
}

extension SpawnRequest {
    /// Check the words a spawn call copied in. `programs`: how many the kernel has;
    /// `highest`: the most urgent priority the child may have (its starter's own:
    /// no task starts one that could take the CPU from it for good).
    /// The capabilities are checked against the tables when they are copied.
    static func decode(_ w: (Int) -> UInt, programs: Int, highest: Int) throws(SyscallError) -> SpawnRequest {
        let program = Int(bitPattern: w(0)), priority = Int(bitPattern: w(1))
        let nameLength = Int(bitPattern: w(5)), count = Int(bitPattern: w(10))
        guard program >= 0 && program < programs else { throw .noSuchTask }
        guard priority >= 1 && priority <= highest else { throw .badRequest }
        guard nameLength >= 1 && nameLength <= nameBytes else { throw .badRequest }
        guard count >= 0 && count <= maxCapabilities else { throw .badRequest }
        for i in 0..<count {
            guard Rights.decode(w(11 + 4 * i + 2)) != nil else { throw .missingRight }
        }
        return SpawnRequest(
            program: program, priority: priority, memoryLimit: w(2), arguments: (w(3), w(4)),
            nameLength: nameLength, capabilityCount: count)
    }

    /// Capability `i` of the request: (caller's slot, child's slot, rights, badge).
    static func capability(_ w: (Int) -> UInt, _ i: Int) -> (from: Int, to: Int, rights: Rights, badge: UInt) {
        (Int(bitPattern: w(11 + 4 * i)), Int(bitPattern: w(12 + 4 * i)), Rights.decode(w(13 + 4 * i)) ?? [], w(14 + 4 * i))
    }
}
