// SPDX-License-Identifier: GPL-2.0
/*
 * rawpkt - send raw Ethernet frames out of one interface and check that
 * another receives every one of them intact.  The VM's two NICs share a
 * QEMU hub and no IP setup: AF_PACKET proves the receive and transmit DMA
 * paths of both drivers without network namespaces or routing tricks.
 *
 * usage: rawpkt SEND_IF RECV_IF [COUNT [WAIT_SECONDS]]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * IEEE 802 "local experimental" ethertype: nothing else in the guest uses it.
 */
#define RAWPKT_ETHERTYPE 0x88b5
#define RAWPKT_MAGIC 0x646d6173u /* "dmas" */

struct frame_head {
	uint32_t magic;
	uint32_t seq;
	uint32_t len; /* payload bytes after this header */
};

static int open_if(const char *name, int *ifindex, unsigned char mac[6])
{
	struct sockaddr_ll sll = {0};
	struct ifreq ifr = {0};
	int fd;

	fd = socket(AF_PACKET, SOCK_RAW, htons(RAWPKT_ETHERTYPE));
	if (fd < 0) {
		fprintf(stderr, "rawpkt: socket: %s\n", strerror(errno));
		exit(2);
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		fprintf(stderr, "rawpkt: %s: %s\n", name, strerror(errno));
		exit(2);
	}
	*ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		fprintf(stderr, "rawpkt: %s: hwaddr: %s\n", name,
			strerror(errno));
		exit(2);
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(RAWPKT_ETHERTYPE);
	sll.sll_ifindex = *ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "rawpkt: bind %s: %s\n", name, strerror(errno));
		exit(2);
	}
	return fd;
}

/* Payload byte i of frame seq: differs per frame so a stale buffer shows. */
static unsigned char pattern(uint32_t seq, uint32_t i)
{
	return (unsigned char)(seq * 31 + i * 7 + (i >> 8));
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct rx_state {
	int fd, count, got, bad;
	unsigned char smac[6];
	char *seen;
};

/* Receive and check one frame if one arrives within timeout_ms. */
static void take(struct rx_state *rx, int timeout_ms)
{
	unsigned char buf[2048];
	struct pollfd pfd = {.fd = rx->fd, .events = POLLIN};
	struct frame_head *fh;
	unsigned char *p;
	ssize_t n;
	int ok = 1;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return;
	n = recv(rx->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < (ssize_t)(sizeof(struct ether_header) + sizeof(*fh)))
		return;
	/* Only our frames: the kernel may send its own on link-up. */
	if (memcmp(((struct ether_header *)buf)->ether_shost, rx->smac, 6))
		return;
	fh = (struct frame_head *)(buf + sizeof(struct ether_header));
	if (fh->magic != RAWPKT_MAGIC || fh->seq >= (uint32_t)rx->count)
		return;
	p = (unsigned char *)(fh + 1);
	if (fh->len > sizeof(buf) ||
	    (size_t)n < sizeof(struct ether_header) + sizeof(*fh) + fh->len)
		ok = 0;
	for (uint32_t i = 0; ok && i < fh->len; i++)
		if (p[i] != pattern(fh->seq, i))
			ok = 0;
	if (!ok) {
		rx->bad++;
		fprintf(stderr, "rawpkt: frame %u corrupted\n", fh->seq);
	} else if (!rx->seen[fh->seq]) {
		rx->seen[fh->seq] = 1;
		rx->got++;
	}
}

int main(int argc, char **argv)
{
	unsigned char rmac[6], buf[2048];
	struct rx_state rx = {0};
	int sfd, sidx, ridx, wait_s, bufsz = 4 << 20;
	long deadline;

	if (argc < 3) {
		fprintf(stderr,
			"usage: rawpkt SEND_IF RECV_IF [COUNT [WAIT_SECONDS]]\n");
		return 2;
	}
	rx.count = argc > 3 ? atoi(argv[3]) : 200;
	if (rx.count < 1 || rx.count > 100000) {
		fprintf(stderr, "rawpkt: COUNT must be 1..100000\n");
		return 2;
	}
	wait_s = argc > 4 ? atoi(argv[4]) : 10;
	if (wait_s < 1 || wait_s > 3600) {
		fprintf(stderr, "rawpkt: WAIT_SECONDS must be 1..3600\n");
		return 2;
	}
	rx.seen = calloc(rx.count, 1);
	if (!rx.seen)
		return 2;
	sfd = open_if(argv[1], &sidx, rx.smac);
	rx.fd = open_if(argv[2], &ridx, rmac);
	/* Room for every frame, so a slow reader under emulation loses none. */
	setsockopt(rx.fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz));

	for (int seq = 0; seq < rx.count; seq++) {
		struct ether_header *eh = (struct ether_header *)buf;
		struct frame_head *fh = (struct frame_head *)(eh + 1);
		/* 60..1500-byte frames: small and full-size receive buffers. */
		uint32_t len = 32 + (seq * 97) % 1440;
		unsigned char *p = (unsigned char *)(fh + 1);
		struct sockaddr_ll to = {0};

		memcpy(eh->ether_dhost, rmac, 6);
		memcpy(eh->ether_shost, rx.smac, 6);
		eh->ether_type = htons(RAWPKT_ETHERTYPE);
		fh->magic = RAWPKT_MAGIC;
		fh->seq = seq;
		fh->len = len;
		for (uint32_t i = 0; i < len; i++)
			p[i] = pattern(seq, i);
		to.sll_family = AF_PACKET;
		to.sll_ifindex = sidx;
		to.sll_halen = 6;
		memcpy(to.sll_addr, rmac, 6);
		if (sendto(sfd, buf, sizeof(*eh) + sizeof(*fh) + len, 0,
			   (struct sockaddr *)&to, sizeof(to)) < 0) {
			fprintf(stderr, "rawpkt: send %d: %s\n", seq,
				strerror(errno));
			return 1;
		}
		/* Pace the sender by the receiver: the NIC's ring is finite. */
		take(&rx, 0);
	}

	deadline = now_ms() + wait_s * 1000L;
	while (rx.got + rx.bad < rx.count && now_ms() < deadline)
		take(&rx, 200);
	printf("rawpkt: %s -> %s: %d of %d frames intact, %d corrupted\n",
	       argv[1], argv[2], rx.got, rx.count, rx.bad);
	return rx.got == rx.count && rx.bad == 0 ? 0 : 1;
}
