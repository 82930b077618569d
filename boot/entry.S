/* Multiboot2 header and the 32-bit entry that switches the CPU to long mode.
   GRUB enters in 32-bit protected mode, paging off, eax = magic, ebx = info pointer.
   We identity-map the first 4 GiB with 2 MiB pages (bootstrap only: boot/paging.c replaces
   these tables with ones built from the memory map), enable PAE, long mode and SSE, load a
   64-bit GDT and call kmain(magic, info). */

#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0

    .section .multiboot2, "a"
    .align 8
mb2_header:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    /* module alignment tag: page-align modules */
    .align 8
    .short 6, 0
    .long 8
    /* end tag */
    .align 8
    .short 0, 0
    .long 8
mb2_header_end:

    .section .bss.pagealigned, "aw", @nobits
    .align 4096
boot_pml4:  .skip 4096
boot_pdpt:  .skip 4096
boot_pd:    .skip 4096 * 4
    /* Main kernel stack, with an unmapped guard page under it (see boot/paging.c). */
    .global kstack_guard, kstack_bottom, kstack_top
kstack_guard:  .skip 4096
kstack_bottom: .skip 256 * 1024
kstack_top:

    .section .data
    .global boot_mb_magic, boot_mb_info
boot_mb_magic: .long 0
boot_mb_info:  .long 0

    .align 16
boot_gdt:
    .quad 0                         /* null */
    .quad 0x00af9a000000ffff        /* 0x08: 64-bit code, ring 0 */
    .quad 0x00cf92000000ffff        /* 0x10: data, ring 0 */
boot_gdt_end:
boot_gdt_ptr:
    .short boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    .section .text.boot, "ax"
    .code32
    .global _start
_start:
    cli
    cld
    mov %eax, boot_mb_magic         /* save before anything touches them */
    mov %ebx, boot_mb_info
    mov $kstack_top, %esp

    /* PML4[0] -> PDPT, PDPT[0..3] -> 4 page directories of 512 x 2 MiB pages = 4 GiB. */
    mov $boot_pdpt, %eax
    or $0x3, %eax
    mov %eax, boot_pml4
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $12, %eax
    add $boot_pd, %eax
    or $0x3, %eax
    mov %eax, boot_pdpt(,%ecx,8)
    inc %ecx
    cmp $4, %ecx
    jne 1b
    xor %ecx, %ecx
2:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax                  /* present, writable, 2 MiB page */
    mov %eax, boot_pd(,%ecx,8)
    inc %ecx
    cmp $2048, %ecx
    jne 2b

    /* CR4: PAE, OSFXSR, OSXMMEXCPT (SSE with FXSAVE and SIMD exceptions) */
    mov %cr4, %eax
    or $((1 << 5) | (1 << 9) | (1 << 10)), %eax
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    /* EFER.LME */
    mov $0xC0000080, %ecx
    rdmsr
    or $(1 << 8), %eax
    wrmsr
    /* CR0: PG, WP, MP, NE; clear EM and TS (gcc -O2 emits SSE even in integer code) */
    mov %cr0, %eax
    and $~((1 << 2) | (1 << 3)), %eax
    or $((1 << 31) | (1 << 16) | (1 << 5) | (1 << 1)), %eax
    mov %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $0x08, $long_mode

    .code64
long_mode:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %ax, %ax
    mov %ax, %fs
    mov %ax, %gs
    mov $kstack_top, %rsp
    fninit
    xor %ebp, %ebp                  /* ends the frame-pointer chain for backtraces */
    mov boot_mb_magic, %edi
    mov boot_mb_info, %esi
    call kmain
3:  cli
    hlt
    jmp 3b

    .section .note.GNU-stack, "", @progbits
