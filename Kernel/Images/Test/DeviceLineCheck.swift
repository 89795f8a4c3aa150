// The test image's interrupt storm: a device line software can raise
// (FaultProbes.testDeviceLine: aarch64's last GIC SPI, pended; i386's COM1
// IRQ 4, its transmitter-empty interrupt turned off and on) is given to an
// interrupt object bound to a notification, in an unused thread record's
// table, and raised 100 times. The kernel must signal once and keep the line
// masked until the ack; after the ack, one more raise is delivered once more.
// (Raised again, not left to its latch: QEMU's PLIC re-pends a level source
// only when the device updates its line.) Then the source is quieted, both
// capabilities go, and the record is as it was. First, line 0 (i386's timer,
// an SGI on aarch64, no source on riscv64) is asked for: the controller must
// refuse it, and nothing may be left of the object made for it.

func checkDeviceLineStorm() {
    guard let line = Platform.testDeviceLine else {
        kputs("interrupts: no device line here that software can raise; no storm check\n")
        return
    }
    let badge: UInt = 0x40
    let holder: ThreadID? = withKernel { k in
        guard let t = k.records.firstFree() else { return nil }
        do throws(SyscallError) {
            try k.tasks.ipc.core.createNotification(t, into: 0)
            let n = try k.tasks.ipc.core.caps.notification(t, 0, needs: .signal).notification
            var refused: SyscallError? = nil
            do throws(SyscallError) { try makeInterrupt(&k, t, into: 1, line: 0, notification: n, badge: badge) } catch { refused = error }
            if refused != .badRequest || (try? k.tasks.ipc.core.caps.lookup(t, 1)) != nil || k.tasks.ipc.core.interrupts.owner(of: 0) != nil
            {
                kernelPanic("interrupts: line 0 was given out, or its refused object was left behind")
            }
            try makeInterrupt(&k, t, into: 1, line: line, notification: n, badge: badge)
        } catch {
            kernelPanic("interrupts: the storm check could not make its objects")
        }
        return t
    }
    guard let t = holder else { kernelPanic("interrupts: no free thread record for the storm check") }
    func poll() -> UInt {
        withKernel { k in
            let n = (try? k.tasks.ipc.core.caps.notification(t, 0, needs: .wait).notification) ?? -1
            if case .got(let bits) = k.tasks.ipc.core.notifications.wait(t, on: n, blocking: false) { return bits }
            return 0
        }
    }
    let object: Int = withKernel { k in
        guard let c = try? k.tasks.ipc.core.caps.lookup(t, 1), case .interrupt(let i) = c.object else { return -1 }
        return i
    }
    /// Interrupts are on: wait (at most ten ticks) for the line to arrive and leave its object pending.
    func awaitArrival() {
        let until = withKernel { $0.threads.scheduler.ticks } + 10
        bootFlowWait { k in k.tasks.ipc.core.interrupts.record(object)?.pending == true || k.threads.scheduler.ticks >= until }
    }
    Platform.raiseDeviceLine(line)
    awaitArrival()
    // 99 more while it is masked; each would be delivered at once if the line were not.
    for _ in 1..<100 { Platform.raiseDeviceLine(line) }
    let tick = withKernel { $0.threads.scheduler.ticks } + 1
    bootFlowWait { $0.threads.scheduler.ticks >= tick }  // and a tick's time for a late stray arrival
    let first = poll()
    let quiet = poll()
    let record = withKernel { $0.tasks.ipc.core.interrupts.record(object) }
    let pending = record?.pending ?? false, unexpected = record?.unexpected ?? -1
    // The ack unmasks the line: the next raise is delivered.
    withKernel { acknowledgeInterrupt(&$0, object) }
    Platform.raiseDeviceLine(line)
    awaitArrival()
    let again = poll()
    Platform.quietDeviceLine(line)
    // The source is quiet: acknowledged while the object still owns the line, so that
    // an edge latched while it was masked arrives now (and finds its owner), not later.
    withKernel { acknowledgeInterrupt(&$0, object) }
    withKernel { k in
        _ = try? k.tasks.ipc.core.delete(t, 1)
        _ = try? k.tasks.ipc.core.delete(t, 0)
        // No reset: a free record may still hold a dead thread's kernel stack, released when the slot is reused.
    }
    guard first == badge, quiet == 0, pending, unexpected == 0, again == badge else {
        kputs("interrupts: storm check: first "); kputDecimal(UInt64(first)); kputs(", then "); kputDecimal(UInt64(quiet))
        kputs(", pending "); kputs(pending ? "yes" : "no"); kputs(", after the ack "); kputDecimal(UInt64(again)); kputs("\n")
        kernelPanic("interrupts: a masked line was delivered more than once, or not again after its ack")
    }
    kputs("interrupts: line "); kputDecimal(UInt64(line));
    kputs(" raised 100 times while masked: one signal; after the ack, the next raise is one more\n")
}
