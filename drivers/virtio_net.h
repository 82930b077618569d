// The virtio-net data path in C (set-up stays in Python: drivers/virtio_net.py).
#ifndef QENEX_VIRTIO_NET_H
#define QENEX_VIRTIO_NET_H
#include <stdint.h>
#include <stdbool.h>

// One split virtqueue as Python set it up (drivers/virtio.py Virtqueue): where its rings are
// and how to notify the device. Buffers: `size` buffers of `buf_size` bytes from `buf_phys`.
struct vnet_queue_info {
    uint64_t base, avail_off, used_off, notify_addr;
    uint32_t size, index;
    uint64_t buf_phys;
    uint32_t buf_size;
};

struct vnet_stats {
    uint64_t rx_frames, rx_bytes, rx_dropped, tx_frames, tx_bytes, tx_busy;
};

struct netif;
// lwIP netif contract: init (as netif_add's init function), input (vnet_poll feeds frames to
// netif->input), output (linkoutput copies a pbuf chain into a TX buffer).
int vnet_attach(const uint8_t mac[6], const struct vnet_queue_info *rx, const struct vnet_queue_info *tx);
struct netif *vnet_netif(void);
int vnet_poll(void);            // frames received and passed to lwIP
bool vnet_pending(void);        // the device has completed RX buffers waiting
void vnet_stats(struct vnet_stats *out);

#endif
