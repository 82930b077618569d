"""A block device over a file: the host-side twin of drivers/virtio_blk.py (same interface),
for host tests and tools. Not used in the kernel (no file system there)."""
import os

BLOCK = 512


class BlockFile:
    def __init__(self, path, blocks):
        self.path = path
        self.block_size = BLOCK
        self.capacity = blocks
        self.read_only = False
        self.f = open(path, "r+b" if os.path.exists(path) else "w+b")
        self.f.truncate(blocks * BLOCK)

    def _check(self, lba, count):
        if lba < 0 or count < 0 or lba + count > self.capacity:
            raise ValueError("blocks %d..%d outside the disk (%d blocks)"
                             % (lba, lba + count, self.capacity))

    async def read(self, lba, count):
        self._check(lba, count)
        self.f.seek(lba * BLOCK)
        return self.f.read(count * BLOCK)

    async def write(self, lba, data):
        if len(data) % BLOCK:
            raise ValueError("write of %d bytes is not a whole number of %d-byte blocks"
                             % (len(data), BLOCK))
        self._check(lba, len(data) // BLOCK)
        self.f.seek(lba * BLOCK)
        self.f.write(data)

    async def flush(self):
        self.f.flush()
        os.fsync(self.f.fileno())

    def close(self):
        self.f.close()
