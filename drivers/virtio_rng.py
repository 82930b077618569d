"""virtio-rng: entropy from the host. `await read(n)` returns n bytes from the device."""
from drivers import virtio

DEVICE_IDS = (0x1044, 0x1005)
MAX_REQUEST = 4096


class VirtioRng:
    def __init__(self, fn, hw, sched):
        self.fn = fn
        self.sched = sched
        self.t = virtio.Transport(fn, hw)
        self.t.negotiate(0)
        self.vq = self.t.queue(0, max_size=8)
        self.phys, self.buf = hw.alloc(MAX_REQUEST)
        self.t.ready()
        self.bytes_read = 0

    async def read(self, n):
        if not 0 < n <= MAX_REQUEST:
            raise ValueError("entropy request of %d bytes (1..%d)" % (n, MAX_REQUEST))
        out = bytearray()
        while len(out) < n:  # the device may return fewer bytes than asked
            want = n - len(out)
            self.vq.submit([(self.phys, want, True)])
            self.vq.kick()
            done = []
            await self.sched.wait_for(lambda: done.extend(self.vq.collect()) or bool(done))
            got = done[0][1]
            out += self.buf[:min(got, want)]
        self.bytes_read += n
        return bytes(out)
