/* The freestanding memory routines compiled code calls (memset, memcpy,
 * memmove, memcmp). Built with -ffreestanding -fno-builtin, so the compiler
 * cannot turn these loops back into calls to themselves. Linked into the
 * kernel and into every user task (User/Runtime). */
#include <stddef.h>

/* A word at a time where both ends are word-aligned (the common case: Swift
 * copies whole structs, such as a trap context of 832 bytes, through these),
 * then byte by byte. `make bench-ipc` measured the byte loops at several
 * thousand instructions a system call. */
typedef unsigned long word;
#define WORD_BYTES sizeof(word)
#define ALIGNED(p) (((unsigned long)(p) & (WORD_BYTES - 1)) == 0)

void *memset(void *dst, int c, size_t n) {
    unsigned char *d = dst;
    if (ALIGNED(d)) {
        word pattern = (unsigned char)c;
        pattern |= pattern << 8; pattern |= pattern << 16;
        if (WORD_BYTES == 8) pattern |= pattern << 16 << 16;
        word *w = (word *)d;
        for (; n >= WORD_BYTES; n -= WORD_BYTES) *w++ = pattern;
        d = (unsigned char *)w;
    }
    while (n--) *d++ = (unsigned char)c;
    return dst;
}

void *memcpy(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (ALIGNED(d) && ALIGNED(s)) {
        word *wd = (word *)d;
        const word *ws = (const word *)s;
        for (; n >= WORD_BYTES; n -= WORD_BYTES) *wd++ = *ws++;
        d = (unsigned char *)wd; s = (const unsigned char *)ws;
    }
    while (n--) *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d <= s || d >= s + n) {
        return memcpy(dst, src, n);   /* forward copy is safe: word-wise too */
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
