import XCTest

@testable import KernelCore

/// A little-endian ELF executable with the given program headers.
struct ELFBuilder {
    var is64 = false
    var machine: UInt16 = 3
    var entry: UInt64 = 0xC000_0000
    /// (type, flags, offset, vaddr, filesz, memsz, align)
    var segments: [(UInt32, UInt32, UInt64, UInt64, UInt64, UInt64, UInt64)] = [
        (1, 5, 0x1000, 0xC000_0000, 0x800, 0x800, 0x1000),  // code: R+X
        (1, 6, 0x2000, 0xC000_1000, 0x100, 0x3000, 0x1000),  // data + bss: R+W
    ]
    var fileBytes = 0x3000

    func bytes() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: max(fileBytes, 0x200))
        func put(_ o: Int, _ v: UInt64, _ n: Int) { for i in 0..<n { b[o + i] = UInt8(truncatingIfNeeded: v >> UInt64(8 * i)) } }
        b[0] = 0x7F; b[1] = 0x45; b[2] = 0x4C; b[3] = 0x46
        b[4] = is64 ? 2 : 1; b[5] = 1; b[6] = 1
        put(16, 2, 2); put(18, UInt64(machine), 2); put(20, 1, 4)
        let phoff = is64 ? 64 : 52
        if is64 {
            put(24, entry, 8); put(32, UInt64(phoff), 8); put(52, 64, 2); put(54, 56, 2); put(56, UInt64(segments.count), 2)
        } else {
            put(24, entry, 4); put(28, UInt64(phoff), 4); put(40, 52, 2); put(42, 32, 2); put(44, UInt64(segments.count), 2)
        }
        for (i, s) in segments.enumerated() {
            if is64 {
                let p = phoff + i * 56
                put(p, UInt64(s.0), 4); put(p + 4, UInt64(s.1), 4); put(p + 8, s.2, 8); put(p + 16, s.3, 8)
                put(p + 32, s.4, 8); put(p + 40, s.5, 8); put(p + 48, s.6, 8)
            } else {
                let p = phoff + i * 32
                put(p, UInt64(s.0), 4); put(p + 4, s.2, 4); put(p + 8, s.3, 4); put(p + 16, s.4, 4)
                put(p + 20, s.5, 4); put(p + 24, UInt64(s.1), 4); put(p + 28, s.6, 4)
            }
        }
        return Array(b.prefix(fileBytes))
    }
}

final class ELFTests: XCTestCase {
    let i386 = ELFImage.Target(
        machine: 3, is64: false,
        window: VirtualRange(start: VirtualAddress(0xC000_0000), end: VirtualAddress(0xD000_0000)), pageSize: 4096)

    func parse(_ b: ELFBuilder, _ t: ELFImage.Target? = nil) -> Result<ELFImage, ELFError> {
        let bytes = b.bytes()
        return bytes.withUnsafeBytes { raw in
            Result { () throws(ELFError) in try ELFImage.parse(raw.baseAddress!, count: bytes.count, for: t ?? i386) }
        }
    }

    func testAGoodImageGivesItsSegmentsAndEntry() throws {
        let image = try parse(ELFBuilder()).get()
        XCTAssertEqual(image.segmentCount, 2)
        XCTAssertEqual(image.entry, 0xC000_0000)
        XCTAssertEqual(
            image.segments[0],
            ELFSegment(
                virtualAddress: 0xC000_0000, memorySize: 0x800, fileOffset: 0x1000,
                fileSize: 0x800, writable: false, executable: true))
        XCTAssertTrue(image.segments[1].writable)
        XCTAssertEqual(image.end, 0xC000_4000)
        // The same layout as ELF-64 for aarch64.
        var b64 = ELFBuilder(); b64.is64 = true; b64.machine = 183
        let a64 = ELFImage.Target(machine: 183, is64: true, window: i386.window, pageSize: 4096)
        XCTAssertEqual(try parse(b64, a64).get().segmentCount, 2)
        XCTAssertEqual(parse(b64).failure, .wrongClass, "an ELF-64 image is refused by the i386 loader")
    }

    func testEveryDamagedFieldIsRefusedByName() {
        func damaged(_ change: (inout ELFBuilder) -> Void, _ poke: ((inout [UInt8]) -> Void)? = nil) -> ELFError? {
            var b = ELFBuilder(); change(&b)
            var bytes = b.bytes(); poke?(&bytes)
            return bytes.withUnsafeBytes { raw in
                Result { () throws(ELFError) in try ELFImage.parse(raw.baseAddress!, count: bytes.count, for: i386) }
            }.failure
        }
        XCTAssertEqual(damaged({ $0.fileBytes = 40 }), .tooSmall)
        XCTAssertEqual(damaged({ _ in }, { $0[1] = 0x46 }), .badMagic)
        XCTAssertEqual(damaged({ _ in }, { $0[5] = 2 }), .notLittleEndian)
        XCTAssertEqual(damaged({ _ in }, { $0[20] = 9 }), .badVersion)
        XCTAssertEqual(damaged({ _ in }, { $0[16] = 3 }), .notExecutable)
        XCTAssertEqual(damaged({ $0.machine = 183 }), .wrongMachine(183))
        XCTAssertEqual(damaged({ _ in }, { $0[42] = 31 }), .badHeaderSize)
        XCTAssertEqual(
            damaged(
                { _ in },
                {
                    $0[28] = 0xF0; $0[29] = 0xFF
                }), .programHeadersOutOfFile)
        XCTAssertEqual(damaged({ _ in }, { $0[44] = 17 }), .tooManySegments)
        XCTAssertEqual(damaged({ $0.segments[1].0 = 3 }), .dynamicImage)
        XCTAssertEqual(damaged({ $0.segments[1].4 = 0x2000 }), .segmentOutOfFile(1), "file bytes run past the end")
        XCTAssertEqual(damaged({ $0.segments[1].2 = UInt64(UInt32.max) }), .segmentOutOfFile(1), "offset past the end")
        XCTAssertEqual(damaged({ $0.segments[1].5 = 0x80 }), .fileSizeExceedsMemorySize(1))
        XCTAssertEqual(
            damaged({
                $0.segments[0].3 = 0x0010_0000; $0.entry = 0x0010_0000
            }), .segmentOutsideWindow(0),
            "a segment over the kernel")
        XCTAssertEqual(damaged({ $0.segments[1].5 = 0x1000_0000 }), .segmentOutsideWindow(1), "runs past the window")
        XCTAssertEqual(
            damaged({
                $0.segments[1].3 = 0xC000_0800; $0.segments[1].2 = 0x2800
            }), .segmentsOverlap(1))
        XCTAssertEqual(damaged({ $0.segments[1].6 = 0x1800 }), .badAlignment(1))
        // Issue 21, §7: an alignment that is no power of two, with the address and
        // offset congruent modulo it (0xC0002000 - 0x2000 is a multiple of 0x3000),
        // so only the power-of-two rule refuses it.
        XCTAssertEqual(
            damaged({
                $0.segments[1].3 = 0xC000_2000; $0.segments[1].6 = 0x3000
            }), .badAlignment(1))
        XCTAssertNotNil(
            try? parse(
                {
                    var b = ELFBuilder(); b.segments[1].3 = 0xC000_2000; return b
                }()
            ).get(), "the same, aligned to 4 KiB")
        XCTAssertEqual(damaged({ $0.segments[1].1 = 7 }), .writableAndExecutable(1))
        XCTAssertEqual(damaged({ $0.entry = 0xC000_1000 }), .entryNotInCode, "entry in the data segment")
        XCTAssertEqual(damaged({ $0.segments = [] }), .noLoadableSegment)
    }
}
