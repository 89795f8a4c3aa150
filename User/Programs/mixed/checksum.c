/* The C half of the `mixed` program, built for every arch: a 32-bit FNV-1a
 * hash of `count` bytes. */
#include <stddef.h>
#include <stdint.h>

uint32_t mixed_checksum(const uint8_t *bytes, size_t count) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < count; i++) {
        h ^= bytes[i];
        h *= 16777619u;
    }
    return h;
}
