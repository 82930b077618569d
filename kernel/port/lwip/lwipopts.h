// lwIP configuration for QENEX OS: raw API, no OS (NO_SYS), IPv4 with DHCP, TCP tuned for an
// HTTP API. Everything is statically bounded: the pools below are all the memory lwIP gets.
#ifndef QENEX_LWIPOPTS_H
#define QENEX_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0      // lwIP runs only from Python context, never from an IRQ
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_NETIF_API 0

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_UDP 1                  // DHCP
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define LWIP_DHCP_DOES_ACD_CHECK 0
#define DHCP_DOES_ARP_CHECK 0
#define LWIP_DNS 0
#define LWIP_IGMP 0
#define LWIP_AUTOIP 0
#define LWIP_RAW 0
#define LWIP_STATS 0
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_TCP_KEEPALIVE 1
#define TCP_LISTEN_BACKLOG 1
#define LWIP_CHKSUM_ALGORITHM 3

#define MEM_ALIGNMENT 8
#define MEM_SIZE (2 * 1024 * 1024)
#define MEMP_NUM_PBUF 256
#define MEMP_NUM_TCP_PCB 160        // connections, including those in TIME_WAIT
#define MEMP_NUM_TCP_PCB_LISTEN 8
#define PBUF_POOL_SIZE 512
#define PBUF_POOL_BUFSIZE 1600
#define TCP_MSS 1460
#define TCP_WND (16 * TCP_MSS)
#define TCP_SND_BUF (16 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define MEMP_NUM_TCP_SEG 1024       // >= TCP_SND_QUEUELEN
#define TCP_OVERSIZE TCP_MSS
#define LWIP_WND_SCALE 0

#define LWIP_RAND() qenex_lwip_rand()
unsigned int qenex_lwip_rand(void);

#endif
