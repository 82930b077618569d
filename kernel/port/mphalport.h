// Hardware abstraction for the MicroPython core: time and the serial console.
#ifndef QENEX_MPHALPORT_H
#define QENEX_MPHALPORT_H
#include <stdint.h>
#include "py/mpconfig.h"

// Tell py/mphal.h there are no pins (it would include extmod/virtpin.h otherwise).
#define mp_hal_pin_obj_t void *

mp_uint_t mp_hal_ticks_ms(void);
mp_uint_t mp_hal_ticks_us(void);
mp_uint_t mp_hal_ticks_cpu(void);
uint64_t mp_hal_time_ns(void);
void mp_hal_delay_ms(mp_uint_t ms);
void mp_hal_delay_us(mp_uint_t us);
void mp_hal_set_interrupt_char(int c);

#endif
