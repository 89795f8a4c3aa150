import Int64Helpers
import XCTest

@testable import KernelCore

/// The i386 64-bit integer helpers (Arch/i386/Int64/int64.c) against Swift's
/// own 64-bit arithmetic, on edge values and on a seeded spread. Division by
/// zero and Int64.min / -1 are left out: undefined in C, as in libgcc.
final class Int64HelperTests: XCTestCase {
    static let edges: [UInt64] = {
        var values: [UInt64] = [
            0, 1, 2, 3, 5, 7, 10, 0xFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
            0x1_0000_0000, 0x1_0000_0001, 0xFFFF_FFFF_0000_0000, 0x1234_5678_9ABC_DEF0,
            UInt64(Int64.max), UInt64(bitPattern: Int64.min), UInt64.max, UInt64.max - 1,
        ]
        for bit in 0..<64 {
            values.append(1 << UInt64(bit))
            values.append((1 << UInt64(bit)) - 1)
            values.append(0 &- (1 << UInt64(bit)))  // -2^bit
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15  // splitmix64, fixed seed
        for _ in 0..<60 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            values.append(z)
            values.append(z >> (z & 63))  // small values too
        }
        return values
    }()

    func testUnsignedDivisionAndRemainder() {
        var checked = 0
        for a in Self.edges {
            for b in Self.edges where b != 0 {
                XCTAssertEqual(host_udivdi3(a, b), a / b, "\(a) / \(b)")
                XCTAssertEqual(host_umoddi3(a, b), a % b, "\(a) % \(b)")
                var rem: UInt64 = 0
                XCTAssertEqual(host_udivmoddi4(a, b, &rem), a / b)
                XCTAssertEqual(rem, a % b, "\(a) divmod \(b)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 40_000)
    }

    func testSignedDivisionTruncatesTowardZero() {
        for ua in Self.edges {
            for ub in Self.edges where ub != 0 {
                let a = Int64(bitPattern: ua), b = Int64(bitPattern: ub)
                if a == .min && b == -1 { continue }
                XCTAssertEqual(host_divdi3(a, b), a / b, "\(a) / \(b)")
                XCTAssertEqual(host_moddi3(a, b), a % b, "\(a) % \(b)")
            }
        }
    }

    func testShiftsForEveryCount() {
        for a in Self.edges {
            for n in 0..<64 {
                XCTAssertEqual(host_ashldi3(a, Int32(n)), a << UInt64(n), "\(a) << \(n)")
                XCTAssertEqual(host_lshrdi3(a, Int32(n)), a >> UInt64(n), "\(a) >> \(n)")
                let s = Int64(bitPattern: a)
                XCTAssertEqual(host_ashrdi3(s, Int32(n)), s >> Int64(n), "\(s) >> \(n) (arithmetic)")
            }
        }
    }

    func testMultiplicationKeepsTheLow64Bits() {
        for ua in Self.edges {
            for ub in Self.edges {
                let a = Int64(bitPattern: ua), b = Int64(bitPattern: ub)
                XCTAssertEqual(host_muldi3(a, b), a &* b, "\(a) * \(b)")
            }
        }
    }
}

/// The table the i386 kernel checks its helpers against at boot must itself be
/// right: each entry against Swift's 64-bit arithmetic on the host.
final class Int64VectorTests: XCTestCase {
    func testBootVectorsAgreeWithSwiftArithmetic() {
        XCTAssertGreaterThanOrEqual(int64Vectors.count, 20)
        for v in int64Vectors {
            let sa = Int64(bitPattern: v.a), sb = Int64(bitPattern: v.b)
            XCTAssertEqual(v.quotient, v.a / v.b)
            XCTAssertEqual(v.remainder, v.a % v.b)
            XCTAssertEqual(v.signedQuotient, UInt64(bitPattern: sa / sb))
            XCTAssertEqual(v.signedRemainder, UInt64(bitPattern: sa % sb))
            XCTAssertEqual(v.shiftedLeft, v.a << v.shift)
            XCTAssertEqual(v.shiftedRight, v.a >> v.shift)
            XCTAssertEqual(v.arithmeticRight, UInt64(bitPattern: sa >> Int64(v.shift)))
            XCTAssertEqual(v.product, v.a &* v.b)
        }
    }
}
