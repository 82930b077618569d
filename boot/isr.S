/* Interrupt entry stubs: one per vector (0-47), pushing a uniform trapframe (see boot.h).
   CPU exceptions that push an error code are 8, 10-14, 17, 21, 29, 30; the others push 0.
   The common path saves the SSE state too, because interrupted Python code may hold floats in
   xmm registers and the C handlers are compiled with SSE enabled. */

    .macro STUB vec
    .global isr\vec
isr\vec:
    .if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
    .else
    pushq $0
    .endif
    pushq $\vec
    jmp isr_common
    .endm

    .text
    .altmacro
    .set i, 0
    .rept 48
    STUB %i
    .set i, i + 1
    .endr

isr_common:
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, %rdi              /* struct trapframe * */
    mov %rsp, %rbx              /* callee-saved: the frame, to restore rsp after alignment */
    sub $512, %rsp
    and $~0xf, %rsp
    fxsave (%rsp)
    cld
    call trap
    fxrstor (%rsp)
    mov %rbx, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp               /* vector and error code */
    iretq

    .section .rodata
    .align 8
    .global isr_table
    .macro TABLE_ENTRY vec
    .quad isr\vec
    .endm
isr_table:
    .set i, 0
    .rept 48
    TABLE_ENTRY %i
    .set i, i + 1
    .endr

    .section .note.GNU-stack, "", @progbits
