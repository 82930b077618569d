# Micro-benchmarks run unchanged by MicroPython in the kernel and by CPython on the host
# (tools/bench.py sends this file to the kernel's REPL). Each returns a checksum so both
# interpreters can be checked to do the same work.

def int_loop(n):
    s = 0
    for i in range(n):
        s += i * i % 7
    return s


def bigint(n):
    a = 1
    for i in range(1, n):
        a = a * 3 + i
    return a % 1000000007


def strings(n):
    parts = []
    for i in range(n):
        parts.append("ACC%06d:%s" % (i, str(i * 31).upper()))
    text = ",".join(parts)
    return len(text.split(",")) + text.count("ACC")


def dicts(n):
    d = {}
    for i in range(n):
        d["k%d" % (i % 500)] = d.get("k%d" % (i % 500), 0) + i
    return sum(d.values())


def floats(n):
    x = 0.0
    for i in range(1, n):
        x += 1.0 / (i * i)
    return int(x * 1e9)


CASES = [("int_loop", int_loop, 200000), ("bigint", bigint, 3000), ("strings", strings, 20000),
         ("dicts", dicts, 50000), ("floats", floats, 100000)]


def run_all(clock_us, scale=1):
    out = []
    for name, fn, n in CASES:
        t0 = clock_us()
        check = fn(n // scale)
        out.append((name, clock_us() - t0, check))
    return out
