/* The 64-bit integer helpers that clang calls on i386 (the part of libgcc
 * the kernel and the user tasks need), so that nothing is taken from the
 * host's gcc. Linked into the i386 kernel and into every i386 user task.
 *
 * Every helper works on 32-bit halves with 32-bit operations only: a 64-bit
 * `/`, `%` or variable shift here would compile into a call to the helper
 * itself. ci/check_int64.sh checks the object references no __*di3 symbol.
 *
 * The host tests (Tests/KernelTests/Int64HelperTests.swift) compile this file
 * for the 64-bit host, where int64.h renames the exported symbols
 * (host_udivdi3, ...) away from the host runtime's own, and compare each
 * against Swift's 64-bit arithmetic. The kernel checks them again at boot on
 * the i386 CPU itself against constants computed on the host
 * (Kernel/Int64Check.swift). */
#include "int64.h"

#define HELPER INT64_HELPER

typedef unsigned int u32;
typedef int s32;

/* A 64-bit value as two words. The union reads the halves without a shift. */
typedef union {
    unsigned long long whole;
    struct { u32 lo, hi; } half;   /* little-endian: i386 and the hosts */
} word64;

static word64 make(u32 hi, u32 lo) {
    word64 w;
    w.half.lo = lo;
    w.half.hi = hi;
    return w;
}

/* Shift left by 0..63. */
static word64 shl(word64 a, u32 n) {
    if (n == 0) return a;
    if (n >= 32) return make(a.half.lo << (n - 32), 0);
    return make((a.half.hi << n) | (a.half.lo >> (32 - n)), a.half.lo << n);
}

/* Logical shift right by 0..63. */
static word64 shr(word64 a, u32 n) {
    if (n == 0) return a;
    if (n >= 32) return make(0, a.half.hi >> (n - 32));
    return make(a.half.hi >> n, (a.half.lo >> n) | (a.half.hi << (32 - n)));
}

/* Arithmetic shift right by 0..63 (the sign word fills in). */
static word64 sar(word64 a, u32 n) {
    u32 sign = (s32)a.half.hi < 0 ? 0xffffffffu : 0;
    if (n == 0) return a;
    if (n >= 32) return make(sign, (u32)((s32)a.half.hi >> (n - 32)));
    return make((u32)((s32)a.half.hi >> n), (a.half.lo >> n) | (a.half.hi << (32 - n)));
}

static int below(word64 a, word64 b) {
    return a.half.hi < b.half.hi || (a.half.hi == b.half.hi && a.half.lo < b.half.lo);
}

static word64 sub(word64 a, word64 b) {
    u32 borrow = a.half.lo < b.half.lo;
    return make(a.half.hi - b.half.hi - borrow, a.half.lo - b.half.lo);
}

static word64 add(word64 a, word64 b) {
    u32 lo = a.half.lo + b.half.lo;
    return make(a.half.hi + b.half.hi + (lo < a.half.lo), lo);
}

static word64 negate(word64 a) {
    return add(make(~a.half.hi, ~a.half.lo), make(0, 1));
}

static u32 leading_zeros(word64 a) {
    if (a.half.hi) return (u32)__builtin_clz(a.half.hi);
    return 32 + (u32)__builtin_clz(a.half.lo);   /* a != 0 */
}

/* Unsigned division with remainder; the divisor is not zero (C leaves
 * division by zero undefined, and so does libgcc). Shift-and-subtract from
 * the divisor's top bit aligned under the dividend's: at most 64 steps. */
static word64 divmod(word64 n, word64 d, word64 *rem) {
    if (n.half.hi == 0 && d.half.hi == 0) {
        if (rem) *rem = make(0, n.half.lo % d.half.lo);
        return make(0, n.half.lo / d.half.lo);
    }
    word64 q = make(0, 0);
    if (below(n, d)) {
        if (rem) *rem = n;
        return q;
    }
    u32 steps = leading_zeros(d) - leading_zeros(n);
    d = shl(d, steps);
    for (u32 i = 0; i <= steps; i++) {
        q = shl(q, 1);
        if (!below(n, d)) {
            n = sub(n, d);
            q.half.lo |= 1;
        }
        d = shr(d, 1);
    }
    if (rem) *rem = n;
    return q;
}

static int negative(word64 a) { return (s32)a.half.hi < 0; }

static word64 absolute(word64 a) { return negative(a) ? negate(a) : a; }

/* 32x32 -> 64 multiplication from 16-bit pieces. */
static word64 mul32(u32 a, u32 b) {
    u32 al = a & 0xffff, ah = a >> 16, bl = b & 0xffff, bh = b >> 16;
    u32 low = al * bl, mid1 = al * bh, mid2 = ah * bl, high = ah * bh;
    word64 r = make(high, low);
    r = add(r, make(mid1 >> 16, mid1 << 16));
    r = add(r, make(mid2 >> 16, mid2 << 16));
    return r;
}

unsigned long long HELPER(ashldi3)(unsigned long long a, int n) {
    word64 w = { .whole = a };
    return shl(w, (u32)n & 63).whole;
}

unsigned long long HELPER(lshrdi3)(unsigned long long a, int n) {
    word64 w = { .whole = a };
    return shr(w, (u32)n & 63).whole;
}

long long HELPER(ashrdi3)(long long a, int n) {
    word64 w = { .whole = (unsigned long long)a };
    return (long long)sar(w, (u32)n & 63).whole;
}

unsigned long long HELPER(udivdi3)(unsigned long long a, unsigned long long b) {
    word64 n = { .whole = a }, d = { .whole = b };
    return divmod(n, d, 0).whole;
}

unsigned long long HELPER(umoddi3)(unsigned long long a, unsigned long long b) {
    word64 n = { .whole = a }, d = { .whole = b }, r;
    divmod(n, d, &r);
    return r.whole;
}

unsigned long long HELPER(udivmoddi4)(unsigned long long a, unsigned long long b,
                                      unsigned long long *rem) {
    word64 n = { .whole = a }, d = { .whole = b }, r;
    word64 q = divmod(n, d, &r);
    if (rem) *rem = r.whole;
    return q.whole;
}

/* Signed division truncates toward zero; the remainder takes the dividend's
 * sign. INT64_MIN / -1 overflows, undefined in C as in libgcc. */
long long HELPER(divdi3)(long long a, long long b) {
    word64 n = { .whole = (unsigned long long)a }, d = { .whole = (unsigned long long)b };
    word64 q = divmod(absolute(n), absolute(d), 0);
    return (long long)(negative(n) != negative(d) ? negate(q) : q).whole;
}

long long HELPER(moddi3)(long long a, long long b) {
    word64 n = { .whole = (unsigned long long)a }, d = { .whole = (unsigned long long)b }, r;
    divmod(absolute(n), absolute(d), &r);
    return (long long)(negative(n) ? negate(r) : r).whole;
}

/* The low 64 bits of the product, the same for signed and unsigned. */
long long HELPER(muldi3)(long long a, long long b) {
    word64 x = { .whole = (unsigned long long)a }, y = { .whole = (unsigned long long)b };
    word64 r = mul32(x.half.lo, y.half.lo);
    r.half.hi += x.half.lo * y.half.hi + x.half.hi * y.half.lo;
    return (long long)r.whole;
}
