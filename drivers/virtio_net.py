"""virtio-net set-up: find the device, negotiate, allocate the rings and buffers, then hand the
data path to C (`net.attach`: drivers/virtio_net.c wires the rings to lwIP).

Features: VERSION_1 and MAC only (no offloads, no mergeable buffers): every frame is one buffer
with a 12-byte header, which keeps the C data path small.
"""
from drivers import virtio

DEVICE_IDS = (0x1041, 0x1000)
F_MAC = 5
RX_QUEUE, TX_QUEUE = 0, 1
QUEUE_SIZE = 128          # buffers per direction
BUF_SIZE = 2048           # header + largest Ethernet frame, rounded up


class VirtioNet:
    def __init__(self, fn, hw, sched, net):
        self.fn = fn
        self.t = virtio.Transport(fn, hw)
        self.features = self.t.negotiate(1 << F_MAC)
        if self.features & (1 << F_MAC):
            self.mac = bytes(self.t.device_read(i, 8) for i in range(6))
        else:  # locally administered address
            self.mac = b"\x02\x51\x45\x4e\x45\x58"
        if self.t.num_queues() < 2:
            raise virtio.VirtioError("%s: virtio-net without transmit queue" % fn.address)
        rx = self.t.queue(RX_QUEUE, QUEUE_SIZE)
        tx = self.t.queue(TX_QUEUE, QUEUE_SIZE)
        rx_buf, _ = hw.alloc(rx.size * BUF_SIZE)
        tx_buf, _ = hw.alloc(tx.size * BUF_SIZE)
        self.t.ready()
        net.attach(self.mac, self._info(rx, rx_buf), self._info(tx, tx_buf))
        self.queue_sizes = (rx.size, tx.size)

    @staticmethod
    def _info(q, buf_phys):
        # From here on C owns the ring: Python must not submit to or collect from `q`.
        return (q.phys, q.avail_off, q.used_off, q.notify_addr, q.size, q.index, buf_phys, BUF_SIZE)

    def mac_text(self):
        return ":".join("%02x" % b for b in self.mac)
