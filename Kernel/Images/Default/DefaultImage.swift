// The default image: the kernel and nothing else. kernelMain calls these hooks
// where the test image (Kernel/Images/Test) runs its in-kernel checks; here
// they do nothing, so the normal boot path is memory, heap, threads, tasks, init.

let kernelImageName: StaticString = "default"

func imageChecksAfterPaging(_ boot: BootInfo) {}
func imageChecksAfterHeap(_ boot: BootInfo) {}
func imageChecksBeforeInit(_ boot: BootInfo) {}
func imageChecksAtEnd(_ k: inout KernelState) {}
func imageSummaryFields(_ k: inout KernelState) {}
