/* C symbols the Embedded Swift runtime and compiler-generated code call.
 * Built with -ffreestanding -fno-builtin, so the compiler cannot turn these
 * loops back into calls to themselves. `free` lives here because Swift
 * reserves the name; it forwards to the kernel heap (Runtime.swift). */
#include <stddef.h>

void kernel_free(void *pointer);

void free(void *pointer) { kernel_free(pointer); }

void *memset(void *dst, int c, size_t n) {
    unsigned char *d = dst;
    while (n--) *d++ = (unsigned char)c;
    return dst;
}

void *memcpy(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--) *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d <= s || d >= s + n) {
        while (n--) *d++ = *s++;
    } else {
        d += n; s += n;
        while (n--) *--d = *--s;
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y) return *x < *y ? -1 : 1;
    return 0;
}

/* Reads and writes the compiler must issue every time: a value another thread
 * or an interrupt handler changes (Swift has no volatile). */
unsigned long long kernel_load_u64(const volatile unsigned long long *p) { return *p; }
void kernel_touch(volatile unsigned char *p) { *p = *p; }
