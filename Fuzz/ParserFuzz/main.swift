// libFuzzer targets for every parser of outside input, one binary; FUZZ_TARGET
// picks the target: devicetree, multiboot or elf. Each input is copied into a
// buffer of exactly its size (AddressSanitizer then catches any read past it),
// and each target checks its parser's contract (Targets.swift), not only that
// it returns. Built by `make fuzz-parsers` / `make test` with -sanitize=fuzzer,address.
import Glibc

enum Target { case devicetree, multiboot, elf }

let target: Target = {
    guard let raw = getenv("FUZZ_TARGET") else { fatalError("set FUZZ_TARGET to devicetree, multiboot or elf") }
    switch String(cString: raw) {
    case "devicetree": return .devicetree
    case "multiboot": return .multiboot
    case "elf": return .elf
    default: fatalError("FUZZ_TARGET must be devicetree, multiboot or elf")
    }
}()

func violated(_ what: StaticString, _ value: UInt64 = 0) -> Never {
    print("parser fuzz: contract violated: \(what) (\(value))")
    abort()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    // Exactly `count` bytes: one past the end is a red zone.
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
    defer { buffer.deallocate() }
    buffer.copyMemory(from: data, byteCount: count)
    switch target {
    case .devicetree: fuzzDeviceTree(UnsafeRawPointer(buffer), count)
    case .multiboot: fuzzMultiboot(UnsafeRawPointer(buffer), count)
    case .elf: fuzzELF(UnsafeRawPointer(buffer), count)
    }
    return 0
}
