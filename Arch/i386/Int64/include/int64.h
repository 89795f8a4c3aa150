/* The i386 64-bit integer helpers (int64.c). Built for i386 they carry the
 * names clang calls (__udivdi3, ...); built for the host (the 64-bit host
 * tests) they are host_<name>, away from the host runtime's own. */
#ifndef INT64_HELPERS_H
#define INT64_HELPERS_H

#if defined(__i386__)
#define INT64_HELPER(name) __##name
#else
#define INT64_HELPER(name) host_##name
#endif

unsigned long long INT64_HELPER(ashldi3)(unsigned long long a, int n);
unsigned long long INT64_HELPER(lshrdi3)(unsigned long long a, int n);
long long INT64_HELPER(ashrdi3)(long long a, int n);
unsigned long long INT64_HELPER(udivdi3)(unsigned long long a, unsigned long long b);
unsigned long long INT64_HELPER(umoddi3)(unsigned long long a, unsigned long long b);
unsigned long long INT64_HELPER(udivmoddi4)(unsigned long long a, unsigned long long b,
                                            unsigned long long *rem);
long long INT64_HELPER(divdi3)(long long a, long long b);
long long INT64_HELPER(moddi3)(long long a, long long b);
long long INT64_HELPER(muldi3)(long long a, long long b);

#endif
