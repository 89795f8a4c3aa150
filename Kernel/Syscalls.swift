// The one system-call table, for every arch: the backends' trap handlers
// hand over the saved context, the six words are read through ThreadCPU and
// checked by SyscallRequest.decode (Sources/IPC) against the caller's
// capabilities, and each request goes to the code that carries it out (IPC.swift,
// UserSbrk.swift, System.swift). Results are written back into the context of
// whichever thread they belong to (a blocked partner's saved context, for
// IPC). A bad call is an error code, never a kernel fault.

func setSyscallResult(_ context: SavedContext, _ status: Int, _ r1: UInt = 0, _ r2: UInt = 0, _ r3: UInt = 0, _ r4: UInt = 0) {
    Platform.setSyscallWord(context, 0, UInt(bitPattern: status))
    Platform.setSyscallWord(context, 1, r1); Platform.setSyscallWord(context, 2, r2)
    Platform.setSyscallWord(context, 3, r3); Platform.setSyscallWord(context, 4, r4)
}

func syscallFailed(_ context: SavedContext, _ e: SyscallError) -> SavedContext { setSyscallResult(context, e.rawValue); return context }

/// Every system call adds one here, when set (the test image puts it in late-grown heap).
var syscallCounts: UnsafeMutablePointer<UInt64>? = nil
/// The test image's check after each call of the thread it watches (-1: none).
var watchedThread: ThreadID = -1
/// A C function pointer (a Swift closure would bring swift_release onto the trap path); its
/// first argument is the kernel state.
var afterWatchedCall: (@convention(c) (UnsafeMutableRawPointer, ThreadID) -> Void)? = nil

/// A system call from the running task (interrupts off). Returns the context to resume.
func systemCallTrap(_ k: inout KernelState, _ trap: SavedContext) -> SavedContext {
    let t = k.threads.scheduler.current
    let resumed = handleSystemCall(&k, trap, t)
    if t == watchedThread && k.threads.scheduler.state(of: t) != .dead {
        if let hook = afterWatchedCall { withUnsafeMutablePointer(to: &k) { hook(UnsafeMutableRawPointer($0), t) } }
    }
    return resumed
}

private func handleSystemCall(_ k: inout KernelState, _ trap: SavedContext, _ t: ThreadID) -> SavedContext {
    if let count = syscallCounts { count.pointee &+= 1 }
    let request: SyscallRequest
    let memory = userMemory(&k, of: t)
    do throws(SyscallError) {
        request = try withUnsafeMutablePointer(to: &k.tasks.ipc.core.caps) { caps throws(SyscallError) in
            try SyscallRequest.decode({ Platform.syscallWord(trap, $0) }, thread: t, caps: UnsafePointer(caps), memory: memory)
        }
    } catch {
        return syscallFailed(trap, error)
    }
    switch request {
    case .debugWrite(let address, let length): return debugWrite(&k, trap, t, address: address, length: length)
    case .yield:
        setSyscallResult(trap, 0)
        return resume(&k, from: trap, previous: t, next: k.threads.scheduler.yield())
    case .exit(let status):
        kputs("tasks: "); putName(&k, t); kputs(" exited with status "); kputDecimal(UInt64(status)); kputs("\n")
        let next = k.threads.scheduler.exit()
        taskEnded(&k, t, .exited, status)
        return resume(&k, from: trap, previous: t, next: next)
    case .sbrk(let increment): return sbrk(&k, trap, t, increment)
    case .send(let e, let badge, let w0, let w1, let buffer, let length, let call, let blocking, let carry, let landing):
        k.records[t].message.badge = badge
        return send(
            &k, trap, t, endpoint: e, w0, w1, buffer: buffer, length: length, call: call, blocking: blocking,
            carry: carry, landing: landing)
    case .receive(let e, let buffer, let capacity, let blocking, let landing):
        return receive(&k, trap, t, endpoint: e, buffer: buffer, capacity: capacity, blocking: blocking, landing: landing)
    case .reply(let w0, let w1, let carry):
        setSyscallResult(trap, reply(&k, t, w0, w1, carry: carry))
        return trap
    case .replyWait(let e, let w0, let w1, let buffer, let capacity, let carry, let landing):
        return replyWait(&k, trap, t, endpoint: e, w0, w1, buffer: buffer, capacity: capacity, carry: carry, landing: landing)
    case .clock:
        let c = Platform.cycleCounter()
        let wide = MemoryLayout<UInt>.size == 8
        setSyscallResult(trap, 0, UInt(truncatingIfNeeded: c), wide ? 0 : UInt(truncatingIfNeeded: c >> 32), Platform.cycleCounterKHz)
        return trap
    case .derive(let from, let to, let rights, let badge):
        do throws(SyscallError) { try k.tasks.ipc.core.caps.derive(t, from: from, to: to, rights: rights, badge: badge) } catch {
            return syscallFailed(trap, error)
        }
        setSyscallResult(trap, 0)
        return trap
    case .delete(let slot):
        do throws(SyscallError) { wakeAll(&k, try k.tasks.ipc.core.delete(t, slot), with: .endpointClosed) } catch {
            return syscallFailed(trap, error)
        }
        drainRegions(&k)
        setSyscallResult(trap, 0)
        return trap
    case .createEndpoint(let slot):
        do throws(SyscallError) { try k.tasks.ipc.core.createEndpoint(t, into: slot) } catch { return syscallFailed(trap, error) }
        setSyscallResult(trap, 0)
        return trap
    case .createNotification, .signal, .waitSignal, .bind, .setTimer, .ack, .createInterrupt: return eventCall(&k, trap, t, request)
    case .createRegion, .createDevice, .deviceLine, .map, .regionInfo, .portRead, .portWrite, .attachConsole, .consoleRead:
        return regionCall(&k, trap, t, request)
    case .spawn(let address): return spawnRequested(&k, trap, t, address)
    case .kill(let task): return killRequested(&k, trap, t, task)
    case .wait(let blocking): return waitRequested(&k, trap, t, blocking: blocking)
    case .inspect(let what, let index, let buffer): return inspectCall(&k, trap, t, what, index, buffer)
    }
}

/// A task's console write, tagged with its name, to the screen or the console's log ring
/// (ConsoleLog.swift); a line that finds the ring full waits for room. Out of line, like the
/// event calls: inlined, it grew the frame of handleSystemCall, which every call pays for.
@inline(never)
private func debugWrite(_ k: inout KernelState, _ trap: SavedContext, _ t: ThreadID, address: UInt, length: Int) -> SavedContext {
    if !consoleWrite(&k, t, address: address, length: length) {
        return resume(&k, from: trap, previous: t, next: k.threads.scheduler.block())
    }
    setSyscallResult(trap, 0, UInt(length))
    return signalConsoleDriver(&k) ? resume(&k, from: trap, previous: t, next: k.threads.scheduler.reschedule()) : trap
}

/// The calls of notifications, timers and interrupts, out of line: inlined, they grew handleSystemCall's
/// frame, which every system call pays for (about 25 instructions a call on aarch64).
@inline(never)
private func eventCall(_ k: inout KernelState, _ trap: SavedContext, _ t: ThreadID, _ request: SyscallRequest) -> SavedContext {
    switch request {
    case .createNotification(let slot):
        do throws(SyscallError) { try k.tasks.ipc.core.createNotification(t, into: slot) } catch { return syscallFailed(trap, error) }
    case .signal(let n, let badge): return signal(&k, trap, t, notification: n, badge: badge)
    case .waitSignal(let n, let blocking): return waitSignal(&k, trap, t, notification: n, blocking: blocking)
    case .bind(let n):
        do throws(SyscallError) { try k.tasks.ipc.core.notifications.bind(t, to: n) } catch { return syscallFailed(trap, error) }
    case .setTimer(let n, let badge, let deadline):
        k.tasks.ipc.core.timers.set(t, deadline: deadline, notification: n, badge: badge)
        setSyscallResult(trap, 0)
        // A deadline already past fires now, not a tick later.
        return expireTimers(&k) ? resume(&k, from: trap, previous: t, next: k.threads.scheduler.reschedule()) : trap
    case .ack(let i): acknowledgeInterrupt(&k, i)
    case .createInterrupt(let slot, let line, let n, let badge):
        do throws(SyscallError) { try makeInterrupt(&k, t, into: slot, line: line, notification: n, badge: badge) } catch {
            return syscallFailed(trap, error)
        }
    default: break
    }
    setSyscallResult(trap, 0)
    return trap
}

/// The calls of regions, devices and the console, out of line like the event calls.
@inline(never)
private func regionCall(_ k: inout KernelState, _ trap: SavedContext, _ t: ThreadID, _ request: SyscallRequest) -> SavedContext {
    var r1: UInt = 0, r2: UInt = 0, r3: UInt = 0
    do throws(SyscallError) {
        switch request {
        case .createRegion(let slot, let bytes): try createMemoryRegion(&k, t, into: slot, bytes: bytes)
        case .createDevice(let slot, let path, let length, let index):
            try createDeviceRegion(&k, t, into: slot, path: path, length: length, index: index)
        case .deviceLine(let path, let length, let index): r1 = UInt(try deviceLine(&k, t, path: path, length: length, index: index))
        case .map(let r, let address, let writable): r1 = try mapRegion(&k, t, r, at: address, writable: writable)
        case .regionInfo(let r):
            guard let region = k.tasks.ipc.core.regions.record(r) else { throw .wrongType }
            r1 = UInt(truncatingIfNeeded: region.base)
            r2 = MemoryLayout<UInt>.size == 8 ? 0 : UInt(truncatingIfNeeded: region.base >> 32)
            r3 = UInt(truncatingIfNeeded: region.size)
        case .portRead(let r, let offset, let width): r1 = try portAccess(&k, r, offset: offset, width: width, write: nil)
        case .portWrite(let r, let offset, let width, let value): _ = try portAccess(&k, r, offset: offset, width: width, write: value)
        case .attachConsole(let r, let n, let badge): try attachConsole(&k, t, region: r, notification: n, badge: badge)
        case .consoleRead(let buffer, let capacity): r1 = UInt(try consoleRead(&k, t, into: buffer, capacity: capacity))
        default: break
        }
    } catch {
        return syscallFailed(trap, error)
    }
    setSyscallResult(trap, 0, r1, r2, r3)
    return trap
}
