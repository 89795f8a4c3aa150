import Foundation
import XCTest
@testable import KernelCore

/// Real board trees, when a folder of them is given (not committed: Debian's
/// arm64 kernel package holds hundreds). Fetch them with
///   dpkg --add-architecture arm64 && apt-get update
///   apt-get download linux-image-6.1.0-56-arm64-unsigned && dpkg -x linux-image-*.deb x
/// then BOARD_DTBS=x swift test --filter BoardTreeTests. Every tree must open;
/// the counts of what the matchers found are printed.
final class BoardTreeTests: XCTestCase {
    func testEveryBoardTreeOpens() throws {
        guard let root = ProcessInfo.processInfo.environment["BOARD_DTBS"] else {
            throw XCTSkip("set BOARD_DTBS to a folder of .dtb files")
        }
        let files = FileManager.default.enumerator(atPath: root)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".dtb") }
        var opened = 0, withMemory = 0, emptyMemory = 0, uart = 0, gic = 0, timer = 0
        var timerProblems: [String: Int] = [:]
        for f in files {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: root + "/" + f)))
            bytes.withUnsafeBytes { raw in
                guard case .success(let tree) = DeviceTree.open(raw.baseAddress!, available: raw.count) else {
                    XCTFail("\(f) did not open"); return
                }
                opened += 1
                if tree.forEachMemoryRange({ _, _ in }) > 0 { withMemory += 1 } else { emptyMemory += 1 }
                let d = AArch64Devices.find(in: tree)
                if d.uart != nil { uart += 1 }
                if d.gicDistributor != nil { gic += 1 }
                switch d.virtualTimer {
                case .success: timer += 1
                case .failure(let p): timerProblems["\(p)", default: 0] += 1
                }
            }
        }
        print("board trees: \(files.count) files, \(opened) opened; memory described in \(withMemory) (\(emptyMemory) leave it "
              + "to the boot loader); a PL011 in \(uart); a GIC in \(gic); the virtual timer's PPI in \(timer); "
              + "timer reasons: \(timerProblems.sorted { $0.key < $1.key })")
        XCTAssertEqual(opened, files.count)
    }
}
