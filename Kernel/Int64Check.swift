// The 64-bit integer helpers checked on the CPU itself. On i386 every 64-bit
// division, remainder and variable shift below calls a helper from
// Arch/i386/Int64 (the host tests run those as x86_64 code, which proves
// nothing about the i386 build); the expected values were computed on the host
// (Sources/Support/Int64Vectors.swift). On a 64-bit arch the same checks run
// on native instructions, cheaply.

/// Recomputes every vector from operands the optimizer cannot see and compares;
/// returns the index of the first mismatch and what differed, or nil.
func checkInt64Helpers() -> (index: Int, operation: StaticString)? {
    var cell: UInt64 = 0
    func opaque(_ v: UInt64) -> UInt64 {
        cell = v
        return withUnsafePointer(to: &cell) { volatileLoad($0) }
    }
    for i in 0..<int64Vectors.count {
        let v = int64Vectors[i]
        let a = opaque(v.a), b = opaque(v.b), n = opaque(v.shift)
        if a / b != v.quotient { return (i, "unsigned divide") }
        if a % b != v.remainder { return (i, "unsigned remainder") }
        let sa = Int64(bitPattern: a), sb = Int64(bitPattern: b)
        if UInt64(bitPattern: sa / sb) != v.signedQuotient { return (i, "signed divide") }
        if UInt64(bitPattern: sa % sb) != v.signedRemainder { return (i, "signed remainder") }
        if a << n != v.shiftedLeft { return (i, "shift left") }
        if a >> n != v.shiftedRight { return (i, "logical shift right") }
        if UInt64(bitPattern: sa >> Int64(n)) != v.arithmeticRight { return (i, "arithmetic shift right") }
        if a &* b != v.product { return (i, "multiply") }
    }
    return nil
}

/// Boot step: one line when the helpers agree with the host, KERNEL FAIL when not.
func verifyInt64Helpers() {
    if let bad = checkInt64Helpers() {
        kputs("int64: vector "); kputDecimal(UInt64(bad.index)); kputs(" gives a wrong ")
        kputs(bad.operation); kputs(" (64-bit integer helpers broken)\n")
        kernelFail()
    }
    kputs("int64: "); kputDecimal(UInt64(int64Vectors.count))
    kputs(" vectors of 64-bit divide, remainder, shift and multiply match the host's\n")
}
