"""What every block device checks before it moves data (drivers/virtio_blk.py in the kernel,
drivers/blockfile.py on the host)."""

BLOCK = 512


def check_range(lba, count, capacity):
    if lba < 0 or count < 0 or lba + count > capacity:
        raise ValueError("blocks %d..%d outside the disk (%d blocks)"
                         % (lba, lba + count, capacity))


def check_whole_blocks(data):
    if len(data) % BLOCK:
        raise ValueError("write of %d bytes is not a whole number of %d-byte blocks"
                         % (len(data), BLOCK))
    return len(data) // BLOCK
