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

/* Where the linker put the kernel's symbol table, its image and the boot
 * stack (every Boot/<arch>/boot.S defines boot_stack_bottom/top): for the
 * backtraces in Kernel/Backtrace.swift. */
#include <stdint.h>
extern const char kernel_symbols[], kernel_symbols_end[], __kernel_start[];
extern const char boot_stack_bottom[], boot_stack_top[];

void kernel_layout(uintptr_t out[5]) {
    out[0] = (uintptr_t)kernel_symbols;
    out[1] = (uintptr_t)kernel_symbols_end;
    out[2] = (uintptr_t)__kernel_start;
    out[3] = (uintptr_t)boot_stack_bottom;
    out[4] = (uintptr_t)boot_stack_top;
}

/* The caller's frame pointer, read from this function's own frame record
 * (runtime.c is built with frame pointers), which lies record_offset bytes from
 * its frame pointer (Machine.frameRecordOffset): the caller's frame is still
 * live, this one is gone once it returns. The start of a panic's backtrace. */
uintptr_t kernel_caller_frame(intptr_t record_offset) {
    return *(const uintptr_t *)((const char *)__builtin_frame_address(0) + record_offset);
}
