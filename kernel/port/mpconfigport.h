// MicroPython configuration for the QENEX kernel (x86-64, bare metal).
// extmod/ is not fetched, so every feature that lives there is off; the kernel supplies its own
// Python replacements (kernel/lib/).
#include <stdint.h>
#include <alloca.h>

#define MICROPY_CONFIG_ROM_LEVEL (MICROPY_CONFIG_ROM_LEVEL_EXTRA_FEATURES)

// Compiler and code loading: source compiles in-kernel (REPL), .mpy (bytecode and native x64)
// loads from the boot archive.
#define MICROPY_ENABLE_COMPILER (1)
#define MICROPY_EMIT_X64 (1)
#define MICROPY_PERSISTENT_CODE_LOAD (1)
#define MICROPY_ENABLE_EXTERNAL_IMPORT (1)
#define MICROPY_HAS_FILE_READER (1)
#define MICROPY_READER_VFS (0)

// Memory: split heap, so the boot heap can grow to memory_limit once the config is read.
#define MICROPY_ENABLE_GC (1)
#define MICROPY_GC_SPLIT_HEAP (1)
#define MICROPY_GC_ALLOC_THRESHOLD (1)
#define MICROPY_ALLOC_PATH_MAX (256)
#define MICROPY_STACK_CHECK (1)
#define MICROPY_STACK_CHECK_MARGIN (8192)

// Numbers: arbitrary-precision ints (money is integer minor units) and double floats.
#define MICROPY_LONGINT_IMPL (MICROPY_LONGINT_IMPL_MPZ)
#define MICROPY_FLOAT_IMPL (MICROPY_FLOAT_IMPL_DOUBLE)

// Runtime behaviour.
#define MICROPY_ENABLE_SCHEDULER (1)
#define MICROPY_SCHEDULER_DEPTH (16)
#define MICROPY_KBD_EXCEPTION (1)
#define MICROPY_HELPER_REPL (1)
#define MICROPY_REPL_AUTO_INDENT (1)
#define MICROPY_REPL_EMACS_KEYS (1)
#define MICROPY_ERROR_REPORTING (MICROPY_ERROR_REPORTING_DETAILED)
#define MICROPY_ENABLE_SOURCE_LINE (1)
#define MICROPY_WARNINGS (1)
#define MICROPY_PY_SYS_PLATFORM "qenex"
#define MICROPY_PY_SYS_STDFILES (1)
#define MICROPY_PY_SYS_EXIT (1)
#define MICROPY_PY_SYS_MODULES (1)
// sys.getsizeof: py/runtime.c's small-int path knows no MP_UNARY_OP_SIZEOF and ends in an
// assert (a kernel panic here), so the Makefile points py/modsys.c's one mp_unary_op call at
// qenex_sys_unary_op (main.c), which answers small ints itself.
#define MICROPY_PY_SYS_GETSIZEOF (1)
#define MICROPY_PY_MICROPYTHON_MEM_INFO (1)
#define MICROPY_PY_BUILTINS_HELP (1)
#define MICROPY_PY_BUILTINS_INPUT (1)
#define MICROPY_PY_BUILTINS_STR_UNICODE (1)
#define MICROPY_PY_BUILTINS_MEMORYVIEW_ITEMSIZE (1)
#define MICROPY_PY_ALL_INPLACE_SPECIAL_METHODS (1)

// Standard modules from py/ (README.md, "The runtime's standard modules"). The ROM level turns
// most of them on already; they are named here because the kernel's code relies on them.
// kernel/lib/collections.py and struct.py extend the built-in collections and struct.
#define MICROPY_PY_ARRAY (1)
#define MICROPY_PY_ARRAY_SLICE_ASSIGN (1)
#define MICROPY_PY_COLLECTIONS (1)
#define MICROPY_PY_COLLECTIONS_DEQUE (1)
#define MICROPY_PY_COLLECTIONS_DEQUE_ITER (1)
#define MICROPY_PY_COLLECTIONS_DEQUE_SUBSCR (1)
#define MICROPY_PY_COLLECTIONS_ORDEREDDICT (1)
#define MICROPY_PY_COLLECTIONS_NAMEDTUPLE__ASDICT (1)
#define MICROPY_PY_IO (1)
#define MICROPY_PY_IO_IOBASE (1)
#define MICROPY_PY_IO_BYTESIO (1)
#define MICROPY_PY_STRUCT (1)
#define MICROPY_PY_SYS_STDIO_BUFFER (1)
#define MICROPY_PY_SYS_MAXSIZE (1)
#define MICROPY_PY_ERRNO (1)
// weakref.ref and weakref.finalize (py/modweakref.c): costs one bit of GC table per 16-byte
// heap block (1/128 of the heap), like the finaliser table.
#define MICROPY_PY_WEAKREF (1)
#define MICROPY_HW_BOARD_NAME "QEMU"
#define MICROPY_HW_MCU_NAME "x86-64"

// extmod features: absent from the fetched sources.
#define MICROPY_VFS (0)
#define MICROPY_PY_OS (0)
#define MICROPY_PY_TIME (0)
#define MICROPY_PY_MACHINE (0)
#define MICROPY_PY_SELECT (0)
#define MICROPY_PY_RANDOM (0)
#define MICROPY_PY_JSON (0)
#define MICROPY_PY_RE (0)
#define MICROPY_PY_HEAPQ (0)
#define MICROPY_PY_BINASCII (0)
#define MICROPY_PY_HASHLIB (0)
#define MICROPY_PY_DEFLATE (0)
#define MICROPY_PY_PLATFORM (0)
#define MICROPY_PY_UCTYPES (0)
#define MICROPY_PY_ASYNCIO (0)
#define MICROPY_PY_FRAMEBUF (0)
#define MICROPY_PY_CRYPTOLIB (0)
#define MICROPY_PY_WEBSOCKET (0)
#define MICROPY_PY_OS_DUPTERM (0)

// Types.
typedef intptr_t mp_int_t;
typedef uintptr_t mp_uint_t;
typedef long mp_off_t;
#define MP_SSIZE_MAX (0x7fffffffffffffffLL)
#define MICROPY_MAKE_POINTER_CALLABLE(p) ((void *)((mp_uint_t)(p)))
#define MP_STATE_PORT MP_STATE_VM

// While waiting for input or in a blocking loop: run scheduled callbacks, then sleep until the
// next interrupt.
#define MICROPY_INTERNAL_EVENT_HOOK do { } while (0)
#define MICROPY_INTERNAL_WFE(TIMEOUT_MS) qenex_idle()
void qenex_idle(void);
