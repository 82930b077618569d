"""A block device over a file: the host-side twin of drivers/virtio_blk.py (same interface),
for host tests and tools. Not used in the kernel (no file system there)."""
import os

from drivers.block import BLOCK, check_range, check_whole_blocks


class BlockFile:
    def __init__(self, path, blocks):
        self.path = path
        self.block_size = BLOCK
        self.capacity = blocks
        self.read_only = False
        self.f = open(path, "r+b" if os.path.exists(path) else "w+b")
        self.f.truncate(blocks * BLOCK)

    async def read(self, lba, count):
        check_range(lba, count, self.capacity)
        self.f.seek(lba * BLOCK)
        return self.f.read(count * BLOCK)

    async def write(self, lba, data):
        check_range(lba, check_whole_blocks(data), self.capacity)
        self.f.seek(lba * BLOCK)
        self.f.write(data)

    async def flush(self):
        self.f.flush()
        os.fsync(self.f.fileno())

    def close(self):
        self.f.close()
