// virtio-net data path: the receive and transmit rings wired to lwIP (lwIP netif driver:
// init/input/output). Python negotiated the features and set up the queues; this file owns the
// rings from vnet_attach on. No feature beyond VERSION_1 and MAC is used: every frame carries
// the 12-byte virtio_net_hdr, zero on transmit.
#include <string.h>
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"
#include "virtio_net.h"

#define NET_HDR 12
#define MAX_FRAME 1514
#define DESC_WRITE 2
#define MAX_QUEUE 256

struct vq {
    volatile uint8_t *desc;
    volatile uint16_t *avail;   // flags, idx, ring[size]
    volatile uint16_t *used;    // flags, idx, then {u32 id, u32 len}[size]
    volatile uint16_t *notify;
    uint32_t size, index;
    uint16_t avail_idx, last_used;
    uint64_t buf_phys;
    uint32_t buf_size;
    uint16_t free[MAX_QUEUE];   // TX: free descriptor ids
    uint32_t nfree;
};

static struct vq rxq, txq;
static struct netif vnet;
static uint8_t vnet_mac[6];
static struct vnet_stats stats;
static bool attached;

#define barrier() __asm__ volatile("" ::: "memory")

static void set_desc(struct vq *q, uint16_t id, uint64_t addr, uint32_t len, uint16_t flags) {
    volatile uint8_t *d = q->desc + 16 * id;
    *(volatile uint64_t *)d = addr;
    *(volatile uint32_t *)(d + 8) = len;
    *(volatile uint16_t *)(d + 12) = flags;
    *(volatile uint16_t *)(d + 14) = 0;
}

static void publish(struct vq *q, uint16_t id) {
    q->avail[2 + (q->avail_idx % q->size)] = id;
    barrier();
    q->avail_idx++;
    q->avail[1] = q->avail_idx;
}

static bool used_next(struct vq *q, uint32_t *id, uint32_t *len) {
    barrier();
    if (q->used[1] == q->last_used) return false;
    volatile uint32_t *e = (volatile uint32_t *)(q->used + 2) + 2 * (q->last_used % q->size);
    *id = e[0];
    *len = e[1];
    q->last_used++;
    return true;
}

static void kick(struct vq *q) {
    barrier();
    *q->notify = q->index;
}

static int setup(struct vq *q, const struct vnet_queue_info *i) {
    if (i->size == 0 || i->size > MAX_QUEUE || (i->size & (i->size - 1))) return -1;
    if (i->buf_size < NET_HDR + MAX_FRAME) return -1;
    memset(q, 0, sizeof(*q));
    q->desc = (volatile uint8_t *)i->base;
    q->avail = (volatile uint16_t *)(i->base + i->avail_off);
    q->used = (volatile uint16_t *)(i->base + i->used_off);
    q->notify = (volatile uint16_t *)i->notify_addr;
    q->size = i->size;
    q->index = i->index;
    q->buf_phys = i->buf_phys;
    q->buf_size = i->buf_size;
    q->avail_idx = q->avail[1];
    q->last_used = q->used[1];
    return 0;
}

static err_t linkoutput(struct netif *netif, struct pbuf *p) {
    uint32_t id, len;
    while (used_next(&txq, &id, &len)) txq.free[txq.nfree++] = (uint16_t)id;
    if (txq.nfree == 0 || p->tot_len > MAX_FRAME) {
        stats.tx_busy++;
        return ERR_MEM;  // TCP retransmits; the device will have caught up
    }
    id = txq.free[--txq.nfree];
    uint8_t *buf = (uint8_t *)(txq.buf_phys + (uint64_t)id * txq.buf_size);
    memset(buf, 0, NET_HDR);
    pbuf_copy_partial(p, buf + NET_HDR, p->tot_len, 0);
    set_desc(&txq, id, (uint64_t)buf, NET_HDR + p->tot_len, 0);
    publish(&txq, id);
    kick(&txq);
    stats.tx_frames++;
    stats.tx_bytes += p->tot_len;
    return ERR_OK;
}

static err_t vnet_init(struct netif *netif) {
    netif->name[0] = 'v';
    netif->name[1] = 'n';
    netif->output = etharp_output;
    netif->linkoutput = linkoutput;
    netif->mtu = 1500;
    netif->hwaddr_len = 6;
    memcpy(netif->hwaddr, vnet_mac, 6);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    return ERR_OK;
}

int vnet_attach(const uint8_t mac[6], const struct vnet_queue_info *rx, const struct vnet_queue_info *tx) {
    if (attached) return -1;
    if (setup(&rxq, rx) || setup(&txq, tx)) return -2;
    memcpy(vnet_mac, mac, 6);
    for (uint32_t i = 0; i < rxq.size; i++) {  // every RX buffer goes to the device
        set_desc(&rxq, i, rxq.buf_phys + (uint64_t)i * rxq.buf_size, rxq.buf_size, DESC_WRITE);
        publish(&rxq, i);
    }
    kick(&rxq);
    for (uint32_t i = 0; i < txq.size; i++) txq.free[txq.nfree++] = i;
    if (!netif_add(&vnet, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, NULL, vnet_init, ethernet_input)) return -3;
    netif_set_default(&vnet);
    netif_set_up(&vnet);
    netif_set_link_up(&vnet);
    attached = true;
    return 0;
}

struct netif *vnet_netif(void) { return attached ? &vnet : NULL; }

bool vnet_pending(void) {
    barrier();
    return attached && rxq.used[1] != rxq.last_used;
}

int vnet_poll(void) {
    if (!attached) return 0;
    int n = 0;
    uint32_t id, len;
    while (n < (int)rxq.size && used_next(&rxq, &id, &len)) {
        n++;
        uint8_t *buf = (uint8_t *)(rxq.buf_phys + (uint64_t)id * rxq.buf_size);
        if (id < rxq.size && len > NET_HDR && len <= rxq.buf_size) {
            uint16_t flen = len - NET_HDR;
            struct pbuf *p = pbuf_alloc(PBUF_RAW, flen, PBUF_POOL);
            if (p) {
                pbuf_take(p, buf + NET_HDR, flen);
                if (vnet.input(p, &vnet) != ERR_OK) pbuf_free(p);
                stats.rx_frames++;
                stats.rx_bytes += flen;
            } else {
                stats.rx_dropped++;
            }
        } else {
            stats.rx_dropped++;
        }
        if (id < rxq.size) publish(&rxq, (uint16_t)id);  // the buffer goes back to the device
    }
    if (n) kick(&rxq);
    return n;
}

void vnet_stats(struct vnet_stats *out) { *out = stats; }
