#ifndef MALLOC_COUNTER_H
#define MALLOC_COUNTER_H
/* Counts heap allocations made by the calling thread, so a test can prove
   that a code path (the heap-growth path) allocates nothing. */
unsigned long malloc_counter_thread_total(void);
#endif
