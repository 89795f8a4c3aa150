"""The Swift toolchain's own LLVM tools (llvm-nm, llvm-objdump, llvm-objcopy,
swift-demangle), found next to swiftc: the build and its checks use these,
never whatever else is on PATH."""
import os
import shutil


def tool(name):
    swiftc = shutil.which("swiftc")
    if swiftc is None:
        raise SystemExit("swiftc is not on PATH: the Swift toolchain is needed")
    return os.path.join(os.path.dirname(os.path.realpath(swiftc)), name)
