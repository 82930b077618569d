"""The kernel's entropy: virtio-rng (the host's generator) and the CPU's RDRAND, XORed together
when both are there (the result is at least as unpredictable as the better source, so neither
has to be trusted alone). Later issues' crypto and id generation draw from `read`.
"""

MAX_READ = 4096


class Entropy:
    def __init__(self, device=None, rdrand=None):
        self.device = device    # drivers/virtio_rng.VirtioRng, or None
        self.rdrand = rdrand    # hw.rdrand, or None
        self.bytes_read = 0

    def sources(self):
        names = []
        if self.device is not None:
            names.append("virtio-rng")
        if self.rdrand is not None and self.rdrand(8) is not None:
            names.append("rdrand")
        return names

    async def read(self, n):
        if not 0 < n <= MAX_READ:
            raise ValueError("entropy request of %d bytes (1..%d)" % (n, MAX_READ))
        parts = []
        if self.device is not None:
            parts.append(await self.device.read(n))
        if self.rdrand is not None:
            r = self.rdrand(n)
            if r is not None:
                parts.append(r)
        if not parts:
            raise OSError("no entropy source (no virtio-rng device, no RDRAND)")
        out = bytearray(parts[0])
        for p in parts[1:]:
            for i in range(n):
                out[i] ^= p[i]
        self.bytes_read += n
        return bytes(out)
