/* C symbols the kernel needs that Swift cannot define: `free` (Swift
 * reserves the name; it forwards to the kernel heap in Runtime.swift) and
 * volatile accesses. memset and friends are in memory.c. */
#include <stddef.h>

void kernel_free(void *pointer);

void free(void *pointer) { kernel_free(pointer); }

/* Reads and writes the compiler must issue every time: a value another thread
 * or an interrupt handler changes (Swift has no volatile). */
unsigned long long kernel_load_u64(const volatile unsigned long long *p) { return *p; }
void kernel_touch(volatile unsigned char *p) { *p = *p; }
