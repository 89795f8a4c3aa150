// Cost of heap growth per strategy, on the host emulated MMU, for
// `valgrind --tool=callgrind` (instruction counts are repeatable; seconds are not).
// The core sources are compiled into this module (Core/ is a symlink to
// Sources/), so generics specialize as they do in the kernel's whole-module build.
//   strategy-bench ARCH STRATEGY PAGES [BATCH]   (ARCH: i386 | aarch64 | riscv64; BATCH pages a call, default 1)
// Count with callgrind --toggle-collect=*HeapRegionV4sbrk* (only inside sbrk), over PAGES.
import Glibc

func grow<F: PageTableFormat>(_ format: F.Type, _ strategyName: String, pages: Int, batch: Int) -> Int {
    let m = EmulatedMachine<F>(megabytes: 96)
    var frames = m.frameAllocator()
    guard let space = AddressSpace(arch: m, frames: &frames) else { fatalError("no root") }
    guard
        let tables = strategyName.withCString({
            TableStrategy.parse(
                ByteString(cString: UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self), limit: 64),
                levels: F.levels)
        })
    else { fatalError("unknown strategy \(strategyName); valid: \(TableStrategy.valid)") }
    var region = HeapRegion(space: space, tables: tables, window: EmulatedMachine<F>.heapWindow, frames: &frames)
    var grown = 0
    do throws(GrowthFailure) {
        while grown < pages {
            _ = try region.sbrk(pages: min(batch, pages - grown), frames: &frames)
            grown += min(batch, pages - grown)
        }
    } catch {
        fatalError("grew \(grown) of \(pages) pages: \(error)")
    }
    return region.tables.tablesGiven
}

let args = CommandLine.arguments
guard args.count == 4 || args.count == 5, let pages = Int(args[3]), let batch = Int(args.count == 5 ? args[4] : "1"), batch > 0 else {
    print("usage: strategy-bench i386|aarch64|riscv64 STRATEGY PAGES [BATCH]")
    exit(2)
}
let tables: Int
switch args[1] {
case "aarch64": tables = grow(AArch64PageTable.self, args[2], pages: pages, batch: batch)
case "riscv64": tables = grow(Sv39PageTable.self, args[2], pages: pages, batch: batch)
case "i386": tables = grow(I386PageTable.self, args[2], pages: pages, batch: batch)
default: print("strategy-bench: unknown arch \(args[1])"); exit(2)
}
print("arch=\(args[1]) strategy=\(args[2]) pages=\(pages) tables=\(tables)")
