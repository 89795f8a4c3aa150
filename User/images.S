/* The user task images, embedded in the kernel as they came out of the
 * linker. The Makefile puts this arch's user build folder on the include
 * path (-I), where .incbin finds them.
 * user_images: the number of images, then (start, end) per image, in the
 * order of UserImage (Kernel/TaskDemo.swift).
 * .balign counts bytes on every arch (on aarch64 `.align 16` means 2^16 and
 * once padded each image to 64 KiB). */
#if defined(__aarch64__)
#define WORD .quad
#else
#define WORD .long
#endif

        .section .rodata
        .balign 16
kvserver_start: .incbin "kvserver.elf"
kvserver_end:
        .balign 16
kvclient_start: .incbin "kvclient.elf"
kvclient_end:
        .balign 16
pingpong_start: .incbin "pingpong.elf"
pingpong_end:
        .balign 16
intruder_start: .incbin "intruder.elf"
intruder_end:
        .balign 16
hog_start: .incbin "hog.elf"
hog_end:
        .balign 16
sysfuzz_start: .incbin "sysfuzz.elf"
sysfuzz_end:

        .balign 8
        .globl user_images
user_images:
        WORD 6
        WORD kvserver_start, kvserver_end
        WORD kvclient_start, kvclient_end
        WORD pingpong_start, pingpong_end
        WORD intruder_start, intruder_end
        WORD hog_start, hog_end
        WORD sysfuzz_start, sysfuzz_end
