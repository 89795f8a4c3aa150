/* The 32-bit parser replay's whole environment: a Linux i386 process entry,
 * four system calls through int $0x80, and an arena the Swift code allocates
 * from and gives back after each input (nothing of one input outlives it). No libc:
 * the program is as freestanding as the kernel the parsers are built for. */
#include <stddef.h>
#include <stdint.h>

int parsers32_main(int argc, char **argv);
void parsers32_trapped(int signal); /* says which input, then exits */

static long sys(long n, long a, long b, long c) {
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
    return r;
}

static long sys4(long n, long a, long b, long c, long d) {
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c), "S"(d) : "memory");
    return r;
}

void parsers32_write(const void *bytes, int count) { sys(4, 1, (long)bytes, count); }
__attribute__((noreturn)) void parsers32_exit(int status) {
    for (;;) sys(1, status, 0, 0);
}

/* The file at `path` into `buffer` (at most `capacity` bytes): its length, or -1. */
int parsers32_read_file(const char *path, void *buffer, int capacity) {
    long fd = sys(5, (long)path, 0 /* O_RDONLY */, 0);
    if (fd < 0) return -1;
    int total = 0;
    while (total < capacity) {
        long n = sys(3, fd, (long)((char *)buffer + total), capacity - total);
        if (n < 0) { sys(6, fd, 0, 0); return -1; }
        if (n == 0) break;
        total += (int)n;
    }
    sys(6, fd, 0, 0);
    return total;
}

/* `count` bytes into a new file at `path` (replacing one there); false if it cannot. */
int parsers32_write_file(const char *path, const void *bytes, int count) {
    long fd = sys(5, (long)path, 0x241 /* O_WRONLY | O_CREAT | O_TRUNC */, 0644);
    if (fd < 0) return 0;
    long n = sys(4, fd, (long)bytes, count);
    sys(6, fd, 0, 0);
    return n == count;
}

static _Alignas(4096) unsigned char arena[48 << 20];
static size_t used;

int posix_memalign(void **out, size_t alignment, size_t size) {
    size_t start = (used + alignment - 1) & ~(alignment - 1);
    if (alignment == 0 || size > sizeof arena - start) return 12; /* ENOMEM */
    used = start + size;
    *out = arena + start;
    return 0;
}
void free(void *pointer) { (void)pointer; }
/* Everything allocated after a mark is given back at once (one input's worth). */
size_t parsers32_mark(void) { return used; }
void parsers32_release(size_t mark) { used = mark; }

/* A Swift trap (ud2) or a bad access ends the process through this, so that
 * the report names the input: SIGILL, SIGBUS, SIGFPE, SIGSEGV. */
static void on_signal(int signal) { parsers32_trapped(signal); }
void parsers32_catch_traps(void) {
    struct { void (*handler)(int); unsigned long flags; void (*restorer)(void); unsigned long mask[2]; } action = {on_signal, 0, 0, {0, 0}};
    static const int signals[] = {4, 7, 8, 11};
    for (int i = 0; i < 4; i++) sys4(174 /* rt_sigaction */, signals[i], (long)&action, 0, 8 /* sigset bytes */);
}

/* The stack at entry: argc, then argv[0..argc-1], NULL. */
__attribute__((naked, noreturn)) void _start(void) {
    __asm__ volatile(
        "xor %ebp, %ebp\n"
        "mov (%esp), %eax\n"
        "lea 4(%esp), %ecx\n"
        "and $-16, %esp\n"
        "sub $8, %esp\n"
        "push %ecx\n"
        "push %eax\n"
        "call parsers32_main\n"
        "push %eax\n"
        "push %eax\n"
        "call parsers32_exit\n");
}

/* The standard library's hash seed: fixed, so that every run is the same run. */
void arc4random_buf(void *buffer, size_t count) {
    for (size_t i = 0; i < count; i++) ((unsigned char *)buffer)[i] = (unsigned char)(i * 151 + 7);
}
