// The legacy 8259 PIC pair, remapped so IRQ 0-15 arrive at vectors 32-47.
#include "drivers.h"
#include "../boot/x86.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

void pic_init(void) {
    outb(PIC1_CMD, 0x11); outb(PIC2_CMD, 0x11);    // ICW1: init, expect ICW4
    outb(PIC1_DATA, 32);  outb(PIC2_DATA, 40);     // ICW2: vector offsets
    outb(PIC1_DATA, 4);   outb(PIC2_DATA, 2);      // ICW3: slave on IRQ 2
    outb(PIC1_DATA, 1);   outb(PIC2_DATA, 1);      // ICW4: 8086 mode
    outb(PIC1_DATA, 0xfb); outb(PIC2_DATA, 0xff);  // all masked but the cascade
}

void pic_mask(int irq) {
    uint16_t port = irq < 8 ? PIC1_DATA : PIC2_DATA;
    outb(port, inb(port) | (1 << (irq & 7)));
}

void pic_unmask(int irq) {
    uint16_t port = irq < 8 ? PIC1_DATA : PIC2_DATA;
    outb(port, inb(port) & ~(1 << (irq & 7)));
}

void pic_eoi(int irq) {
    if (irq >= 8) outb(PIC2_CMD, 0x20);
    outb(PIC1_CMD, 0x20);
}

// IRQ 7 and 15 may be spurious: the in-service register says whether they are real.
bool pic_spurious(int irq) {
    if (irq == 7) { outb(PIC1_CMD, 0x0b); return !(inb(PIC1_CMD) & 0x80); }
    if (irq == 15) {
        outb(PIC2_CMD, 0x0b);
        if (!(inb(PIC2_CMD) & 0x80)) { outb(PIC1_CMD, 0x20); return true; }
    }
    return false;
}
