// The `net` module: lwIP (raw API, NO_SYS) for the Python kernel. TCP through bounded tables of
// listeners and connections addressed by small integers, polled by Python (kernel/io/lwip.py
// turns them into the scheduler-friendly stream interface). lwIP is only ever entered from
// Python context, never from an interrupt.
#include <string.h>
#include "py/runtime.h"
#include "py/mperrno.h"
#include "lwip/init.h"
#include "lwip/timeouts.h"
#include "lwip/tcp.h"
#include "lwip/dhcp.h"
#include "lwip/netif.h"
#include "lwip/prot/dhcp.h"
#include "../../boot/kprintf.h"
#include "../../boot/boot.h"
#include "../../boot/x86.h"
#include "../../drivers/drivers.h"
#include "../../drivers/virtio_net.h"

#define MAX_LISTENERS 8
#define MAX_CONNS 128
#define ACCEPT_QUEUE 32

struct conn {
    struct tcp_pcb *pcb;
    struct pbuf *rx;        // received, not yet read by Python
    uint16_t rx_off;        // bytes of rx's first pbuf already read
    bool in_use, eof, reset;
    uint16_t listener;
};

struct listener {
    struct tcp_pcb *pcb;
    bool in_use;
    int queue[ACCEPT_QUEUE];
    int head, count;
};

static struct conn conns[MAX_CONNS];
static struct listener listeners[MAX_LISTENERS];
static bool lwip_up;
static uint64_t accepts_refused;

// ---- platform hooks ---------------------------------------------------------------------------
u32_t sys_now(void) { return (u32_t)clock_ms(); }

unsigned int qenex_lwip_rand(void) {
    static uint64_t x;
    if (!x) x = rdtsc() | 1;
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;   // xorshift: TCP ISNs and ports, not crypto
    return (unsigned int)(x ^ rdtsc());
}

void qenex_lwip_assert(const char *msg, const char *file, int line) {
    panic("lwIP assertion \"%s\" failed at %s:%d", msg, file, line);
}

void qenex_lwip_diag(const char *fmt, ...) { (void)fmt; }

// ---- TCP callbacks ----------------------------------------------------------------------------
static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err) {
    struct conn *c = arg;
    if (!c) { if (p) { tcp_recved(pcb, p->tot_len); pbuf_free(p); } return ERR_OK; }
    if (!p) { c->eof = true; return ERR_OK; }
    if (c->rx) pbuf_cat(c->rx, p); else { c->rx = p; c->rx_off = 0; }
    return ERR_OK;  // the window opens as Python reads (tcp_recved in net_recv)
}

static void on_err(void *arg, err_t err) {
    struct conn *c = arg;
    if (c) { c->pcb = NULL; c->reset = true; }  // lwIP freed the pcb
}

static int conn_alloc(void) {
    for (int i = 0; i < MAX_CONNS; i++) if (!conns[i].in_use) return i;
    return -1;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err) {
    struct listener *l = arg;
    int id = conn_alloc();
    if (err != ERR_OK || !pcb || id < 0 || l->count >= ACCEPT_QUEUE) {
        accepts_refused++;
        if (pcb) tcp_abort(pcb);
        return ERR_ABRT;
    }
    struct conn *c = &conns[id];
    memset(c, 0, sizeof(*c));
    c->in_use = true;
    c->pcb = pcb;
    c->listener = l - listeners;
    tcp_arg(pcb, c);
    tcp_recv(pcb, on_recv);
    tcp_err(pcb, on_err);
    tcp_nagle_disable(pcb);
    l->queue[(l->head + l->count) % ACCEPT_QUEUE] = id;
    l->count++;
    return ERR_OK;
}

// ---- helpers ----------------------------------------------------------------------------------
static struct conn *get_conn(mp_obj_t id_in) {
    mp_int_t id = mp_obj_get_int(id_in);
    if (id < 0 || id >= MAX_CONNS || !conns[id].in_use) mp_raise_ValueError(MP_ERROR_TEXT("no such connection"));
    return &conns[id];
}

static void require_up(void) {
    if (!lwip_up) mp_raise_OSError(MP_ENODEV);
}

static mp_obj_t ip_str(const ip4_addr_t *a) {
    char buf[16];
    ip4addr_ntoa_r(a, buf, sizeof(buf));
    return mp_obj_new_str(buf, strlen(buf));
}

// ---- Python API -------------------------------------------------------------------------------
// attach(mac, rx, tx): rx/tx = (base, avail_off, used_off, notify_addr, size, index, buf_phys, buf_size)
static void queue_info(mp_obj_t t, struct vnet_queue_info *q) {
    size_t n;
    mp_obj_t *items;
    mp_obj_get_array(t, &n, &items);
    if (n != 8) mp_raise_ValueError(MP_ERROR_TEXT("queue info needs 8 fields"));
    q->base = mp_obj_int_get_uint_checked(items[0]);
    q->avail_off = mp_obj_int_get_uint_checked(items[1]);
    q->used_off = mp_obj_int_get_uint_checked(items[2]);
    q->notify_addr = mp_obj_int_get_uint_checked(items[3]);
    q->size = mp_obj_get_int(items[4]);
    q->index = mp_obj_get_int(items[5]);
    q->buf_phys = mp_obj_int_get_uint_checked(items[6]);
    q->buf_size = mp_obj_get_int(items[7]);
}

static mp_obj_t net_attach(mp_obj_t mac_in, mp_obj_t rx_in, mp_obj_t tx_in) {
    mp_buffer_info_t mac;
    mp_get_buffer_raise(mac_in, &mac, MP_BUFFER_READ);
    if (mac.len != 6) mp_raise_ValueError(MP_ERROR_TEXT("MAC must be 6 bytes"));
    struct vnet_queue_info rx, tx;
    queue_info(rx_in, &rx);
    queue_info(tx_in, &tx);
    if (!lwip_up) { lwip_init(); lwip_up = true; }
    int r = vnet_attach(mac.buf, &rx, &tx);
    if (r) mp_raise_msg_varg(&mp_type_OSError, MP_ERROR_TEXT("virtio-net attach failed (%d)"), r);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(net_attach_obj, net_attach);

static mp_obj_t net_poll(void) {
    if (!lwip_up) return MP_OBJ_NEW_SMALL_INT(0);
    int n = vnet_poll();
    sys_check_timeouts();
    return MP_OBJ_NEW_SMALL_INT(n);
}
static MP_DEFINE_CONST_FUN_OBJ_0(net_poll_obj, net_poll);

static mp_obj_t net_pending(void) { return mp_obj_new_bool(vnet_pending()); }
static MP_DEFINE_CONST_FUN_OBJ_0(net_pending_obj, net_pending);

static mp_obj_t net_dhcp_start(void) {
    require_up();
    if (!vnet_netif() || dhcp_start(vnet_netif()) != ERR_OK) mp_raise_OSError(MP_EIO);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(net_dhcp_start_obj, net_dhcp_start);

static mp_obj_t net_set_static(mp_obj_t ip_in, mp_obj_t mask_in, mp_obj_t gw_in) {
    require_up();
    ip4_addr_t ip, mask, gw;
    if (!ip4addr_aton(mp_obj_str_get_str(ip_in), &ip) || !ip4addr_aton(mp_obj_str_get_str(mask_in), &mask) ||
        !ip4addr_aton(mp_obj_str_get_str(gw_in), &gw)) mp_raise_ValueError(MP_ERROR_TEXT("bad IPv4 address"));
    if (!vnet_netif()) mp_raise_OSError(MP_ENODEV);
    netif_set_addr(vnet_netif(), &ip, &mask, &gw);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(net_set_static_obj, net_set_static);

static mp_obj_t net_ifconfig(void) {
    struct netif *n = vnet_netif();
    if (!n) return mp_const_none;
    struct dhcp *d = netif_dhcp_data(n);
    mp_obj_t t[5] = { ip_str(netif_ip4_addr(n)), ip_str(netif_ip4_netmask(n)), ip_str(netif_ip4_gw(n)),
                      mp_obj_new_bool(netif_is_link_up(n)),
                      mp_obj_new_bool(d != NULL && d->state == DHCP_STATE_BOUND) };
    return mp_obj_new_tuple(5, t);
}
static MP_DEFINE_CONST_FUN_OBJ_0(net_ifconfig_obj, net_ifconfig);

static mp_obj_t net_stats(void) {
    struct vnet_stats s;
    vnet_stats(&s);
    int used = 0;
    for (int i = 0; i < MAX_CONNS; i++) used += conns[i].in_use;
    mp_obj_t d = mp_obj_new_dict(8);
#define PUT(k, v) mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(qstr_from_str(k)), mp_obj_new_int_from_ull(v))
    PUT("rx_frames", s.rx_frames); PUT("rx_bytes", s.rx_bytes); PUT("rx_dropped", s.rx_dropped);
    PUT("tx_frames", s.tx_frames); PUT("tx_bytes", s.tx_bytes); PUT("tx_busy", s.tx_busy);
    PUT("connections", used); PUT("connections_max", MAX_CONNS); PUT("accepts_refused", accepts_refused);
#undef PUT
    return d;
}
static MP_DEFINE_CONST_FUN_OBJ_0(net_stats_obj, net_stats);

static mp_obj_t net_tcp_listen(mp_obj_t port_in, mp_obj_t backlog_in) {
    require_up();
    mp_int_t port = mp_obj_get_int(port_in), backlog = mp_obj_get_int(backlog_in);
    if (port < 1 || port > 65535 || backlog < 1 || backlog > 255) mp_raise_ValueError(MP_ERROR_TEXT("bad port or backlog"));
    int id = -1;
    for (int i = 0; i < MAX_LISTENERS; i++) if (!listeners[i].in_use) { id = i; break; }
    if (id < 0) mp_raise_OSError(MP_ENOMEM);
    struct tcp_pcb *pcb = tcp_new();
    if (!pcb) mp_raise_OSError(MP_ENOMEM);
    if (tcp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) { tcp_close(pcb); mp_raise_OSError(MP_EADDRINUSE); }
    struct tcp_pcb *lp = tcp_listen_with_backlog(pcb, (u8_t)backlog);
    if (!lp) { tcp_close(pcb); mp_raise_OSError(MP_ENOMEM); }
    struct listener *l = &listeners[id];
    memset(l, 0, sizeof(*l));
    l->in_use = true;
    l->pcb = lp;
    tcp_arg(lp, l);
    tcp_accept(lp, on_accept);
    mp_obj_t t[2] = { MP_OBJ_NEW_SMALL_INT(id), MP_OBJ_NEW_SMALL_INT(lp->local_port) };
    return mp_obj_new_tuple(2, t);
}

static mp_obj_t net_tcp_unlisten(mp_obj_t lid_in) {
    mp_int_t lid = mp_obj_get_int(lid_in);
    if (lid < 0 || lid >= MAX_LISTENERS || !listeners[lid].in_use) return mp_const_none;
    struct listener *l = &listeners[lid];
    while (l->count) {  // connections nobody will accept
        int id = l->queue[l->head];
        l->head = (l->head + 1) % ACCEPT_QUEUE;
        l->count--;
        if (conns[id].pcb) { tcp_arg(conns[id].pcb, NULL); tcp_abort(conns[id].pcb); }
        if (conns[id].rx) pbuf_free(conns[id].rx);
        memset(&conns[id], 0, sizeof(conns[id]));
    }
    tcp_arg(l->pcb, NULL);
    tcp_close(l->pcb);
    memset(l, 0, sizeof(*l));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(net_tcp_unlisten_obj, net_tcp_unlisten);
static MP_DEFINE_CONST_FUN_OBJ_2(net_tcp_listen_obj, net_tcp_listen);

static mp_obj_t net_tcp_accept(mp_obj_t lid_in) {
    mp_int_t lid = mp_obj_get_int(lid_in);
    if (lid < 0 || lid >= MAX_LISTENERS || !listeners[lid].in_use) mp_raise_ValueError(MP_ERROR_TEXT("no such listener"));
    struct listener *l = &listeners[lid];
    if (!l->count) return MP_OBJ_NEW_SMALL_INT(-1);
    int id = l->queue[l->head];
    l->head = (l->head + 1) % ACCEPT_QUEUE;
    l->count--;
    if (conns[id].pcb) tcp_backlog_accepted(conns[id].pcb);
    return MP_OBJ_NEW_SMALL_INT(id);
}
static MP_DEFINE_CONST_FUN_OBJ_1(net_tcp_accept_obj, net_tcp_accept);

static mp_obj_t net_tcp_acceptable(mp_obj_t lid_in) {
    mp_int_t lid = mp_obj_get_int(lid_in);
    return mp_obj_new_bool(lid >= 0 && lid < MAX_LISTENERS && listeners[lid].count > 0);
}
static MP_DEFINE_CONST_FUN_OBJ_1(net_tcp_acceptable_obj, net_tcp_acceptable);

// recv(cid, max) -> bytes; b'' at end of stream; None when nothing has arrived yet.
static mp_obj_t net_tcp_recv(mp_obj_t cid, mp_obj_t max_in) {
    struct conn *c = get_conn(cid);
    mp_int_t max = mp_obj_get_int(max_in);
    if (max <= 0) mp_raise_ValueError(MP_ERROR_TEXT("max must be positive"));
    if (!c->rx) {
        if (c->reset) mp_raise_OSError(MP_ECONNRESET);
        return c->eof ? mp_const_empty_bytes : mp_const_none;
    }
    size_t avail = c->rx->tot_len - c->rx_off;
    size_t n = (size_t)max < avail ? (size_t)max : avail;
    vstr_t v;
    vstr_init_len(&v, n);
    pbuf_copy_partial(c->rx, v.buf, n, c->rx_off);
    size_t consumed = c->rx_off + n;
    while (c->rx && consumed >= c->rx->len) {  // free fully read pbufs
        consumed -= c->rx->len;
        struct pbuf *next = c->rx->next;
        if (next) pbuf_ref(next);
        pbuf_free(c->rx);
        c->rx = next;
    }
    c->rx_off = consumed;
    if (c->pcb) tcp_recved(c->pcb, n);
    return mp_obj_new_bytes_from_vstr(&v);
}
static MP_DEFINE_CONST_FUN_OBJ_2(net_tcp_recv_obj, net_tcp_recv);

static mp_obj_t net_tcp_readable(mp_obj_t cid) {
    struct conn *c = get_conn(cid);
    return mp_obj_new_bool(c->rx || c->eof || c->reset);
}
static MP_DEFINE_CONST_FUN_OBJ_1(net_tcp_readable_obj, net_tcp_readable);

// send(cid, data) -> bytes queued (0 when the send buffer is full).
static mp_obj_t net_tcp_send(mp_obj_t cid, mp_obj_t data) {
    struct conn *c = get_conn(cid);
    if (!c->pcb) mp_raise_OSError(MP_ECONNRESET);
    mp_buffer_info_t b;
    mp_get_buffer_raise(data, &b, MP_BUFFER_READ);
    size_t room = tcp_sndbuf(c->pcb);
    if (tcp_sndqueuelen(c->pcb) >= TCP_SND_QUEUELEN - 4) room = 0;
    size_t n = b.len < room ? b.len : room;
    if (n > 0xffff) n = 0xffff;
    if (n) {
        err_t e = tcp_write(c->pcb, b.buf, (u16_t)n, TCP_WRITE_FLAG_COPY);
        if (e == ERR_MEM) n = 0;
        else if (e != ERR_OK) mp_raise_OSError(MP_EIO);
    }
    tcp_output(c->pcb);
    return MP_OBJ_NEW_SMALL_INT(n);
}
static MP_DEFINE_CONST_FUN_OBJ_2(net_tcp_send_obj, net_tcp_send);

static mp_obj_t net_tcp_writable(mp_obj_t cid) {
    struct conn *c = get_conn(cid);
    return mp_obj_new_bool(!c->pcb || (tcp_sndbuf(c->pcb) > 0 && tcp_sndqueuelen(c->pcb) < TCP_SND_QUEUELEN - 4));
}
static MP_DEFINE_CONST_FUN_OBJ_1(net_tcp_writable_obj, net_tcp_writable);

// Bytes sent but not yet acknowledged by the peer (0 once everything arrived).
static mp_obj_t net_tcp_unacked(mp_obj_t cid) {
    struct conn *c = get_conn(cid);
    if (!c->pcb) return MP_OBJ_NEW_SMALL_INT(0);
    return MP_OBJ_NEW_SMALL_INT(TCP_SND_BUF - tcp_sndbuf(c->pcb));
}
static MP_DEFINE_CONST_FUN_OBJ_1(net_tcp_unacked_obj, net_tcp_unacked);

static mp_obj_t net_tcp_close(mp_obj_t cid) {
    struct conn *c = get_conn(cid);
    if (c->pcb) {
        tcp_arg(c->pcb, NULL);
        tcp_recv(c->pcb, NULL);
        tcp_err(c->pcb, NULL);
        if (tcp_close(c->pcb) != ERR_OK) tcp_abort(c->pcb);
    }
    if (c->rx) pbuf_free(c->rx);
    memset(c, 0, sizeof(*c));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(net_tcp_close_obj, net_tcp_close);

static mp_obj_t net_tcp_shutdown(mp_obj_t cid) {
    struct conn *c = get_conn(cid);
    if (c->pcb) tcp_shutdown(c->pcb, 0, 1);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(net_tcp_shutdown_obj, net_tcp_shutdown);

static mp_obj_t net_tcp_abort(mp_obj_t cid) {
    struct conn *c = get_conn(cid);
    if (c->pcb) {
        tcp_arg(c->pcb, NULL);
        tcp_abort(c->pcb);
    }
    if (c->rx) pbuf_free(c->rx);
    memset(c, 0, sizeof(*c));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(net_tcp_abort_obj, net_tcp_abort);

static mp_obj_t net_tcp_peer(mp_obj_t cid) {
    struct conn *c = get_conn(cid);
    if (!c->pcb) return mp_const_none;
    mp_obj_t t[2] = { ip_str(ip_2_ip4(&c->pcb->remote_ip)), MP_OBJ_NEW_SMALL_INT(c->pcb->remote_port) };
    return mp_obj_new_tuple(2, t);
}
static MP_DEFINE_CONST_FUN_OBJ_1(net_tcp_peer_obj, net_tcp_peer);

static const mp_rom_map_elem_t net_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_net) },
    { MP_ROM_QSTR(MP_QSTR_attach), MP_ROM_PTR(&net_attach_obj) },
    { MP_ROM_QSTR(MP_QSTR_poll), MP_ROM_PTR(&net_poll_obj) },
    { MP_ROM_QSTR(MP_QSTR_pending), MP_ROM_PTR(&net_pending_obj) },
    { MP_ROM_QSTR(MP_QSTR_dhcp_start), MP_ROM_PTR(&net_dhcp_start_obj) },
    { MP_ROM_QSTR(MP_QSTR_set_static), MP_ROM_PTR(&net_set_static_obj) },
    { MP_ROM_QSTR(MP_QSTR_ifconfig), MP_ROM_PTR(&net_ifconfig_obj) },
    { MP_ROM_QSTR(MP_QSTR_stats), MP_ROM_PTR(&net_stats_obj) },
    { MP_ROM_QSTR(MP_QSTR_tcp_listen), MP_ROM_PTR(&net_tcp_listen_obj) },
    { MP_ROM_QSTR(MP_QSTR_tcp_unlisten), MP_ROM_PTR(&net_tcp_unlisten_obj) },
    { MP_ROM_QSTR(MP_QSTR_tcp_shutdown), MP_ROM_PTR(&net_tcp_shutdown_obj) },
    { MP_ROM_QSTR(MP_QSTR_tcp_accept), MP_ROM_PTR(&net_tcp_accept_obj) },
    { MP_ROM_QSTR(MP_QSTR_tcp_acceptable), MP_ROM_PTR(&net_tcp_acceptable_obj) },
    { MP_ROM_QSTR(MP_QSTR_tcp_recv), MP_ROM_PTR(&net_tcp_recv_obj) },
    { MP_ROM_QSTR(MP_QSTR_tcp_readable), MP_ROM_PTR(&net_tcp_readable_obj) },
    { MP_ROM_QSTR(MP_QSTR_tcp_send), MP_ROM_PTR(&net_tcp_send_obj) },
    { MP_ROM_QSTR(MP_QSTR_tcp_writable), MP_ROM_PTR(&net_tcp_writable_obj) },
    { MP_ROM_QSTR(MP_QSTR_tcp_unacked), MP_ROM_PTR(&net_tcp_unacked_obj) },
    { MP_ROM_QSTR(MP_QSTR_tcp_close), MP_ROM_PTR(&net_tcp_close_obj) },
    { MP_ROM_QSTR(MP_QSTR_tcp_abort), MP_ROM_PTR(&net_tcp_abort_obj) },
    { MP_ROM_QSTR(MP_QSTR_tcp_peer), MP_ROM_PTR(&net_tcp_peer_obj) },
    { MP_ROM_QSTR(MP_QSTR_MAX_CONNS), MP_ROM_INT(MAX_CONNS) },
};
static MP_DEFINE_CONST_DICT(net_globals, net_globals_table);

const mp_obj_module_t mp_module_net = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&net_globals,
};
MP_REGISTER_MODULE(MP_QSTR_net, mp_module_net);
