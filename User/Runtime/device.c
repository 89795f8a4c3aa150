/* Device registers for drivers: each access is one load or store of its width,
 * never merged, split or moved by the compiler (volatile). The address is one
 * the kernel mapped for the task (Sys.map), uncached. */
#include <stdint.h>

uint8_t user_mmio_read8(uintptr_t address) { return *(volatile uint8_t *)address; }
uint32_t user_mmio_read32(uintptr_t address) { return *(volatile uint32_t *)address; }
void user_mmio_write8(uintptr_t address, uint8_t value) { *(volatile uint8_t *)address = value; }
void user_mmio_write32(uintptr_t address, uint32_t value) { *(volatile uint32_t *)address = value; }
