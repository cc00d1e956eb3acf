/* bench/arp helper: an ARP / NS load generator and a responder-side
 * latency meter, built by bench/arp/run against liblbkit (for the frame
 * builders and parser). Not an lbkit tool.
 *
 *   arpbench load  IFACE RATE SECONDS TARGET...  (in the client namespace)
 *   arpbench watch IFACE SECONDS TARGET...       (in the responder namespace)
 *
 * load sends requests for the targets in turn, RATE per second for each,
 * so that every target is measured under the same load at the same time
 * (on a shared machine, phases one after the other are not comparable).
 * Each request carries its sequence number in the sender MAC (ARP sender
 * hardware address, NS source link-layer option) 02:5e:00:ss:ss:ss, which
 * the answer echoes (ARP target hardware address, NA Ethernet destination).
 * load prints "TARGET sent N answered M seconds S" per target; watch pairs
 * each request it sees arrive with the answer it sees leave, both
 * timestamped by the kernel at the same taps whoever answers, and prints
 * "TARGET n N p50 X p99 Y max Z" per target, in microseconds. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "arp_frame.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int open_packet(const char *ifname, int *ifindex)
{
	int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (s < 0) {
		perror("socket");
		exit(3);
	}
	struct sockaddr_ll sll = {0};
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sll.sll_ifindex || bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror(ifname);
		exit(3);
	}
	int big = 64 << 20, on = 1;
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	setsockopt(s, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	*ifindex = sll.sll_ifindex;
	return s;
}

static void seq_mac(uint32_t seq, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x5e;
	mac[2] = 0;
	mac[3] = (uint8_t)(seq >> 16);
	mac[4] = (uint8_t)(seq >> 8);
	mac[5] = (uint8_t)seq;
}

static int mac_seq(const uint8_t mac[6], uint32_t *seq)
{
	if (mac[0] != 0x02 || mac[1] != 0x5e || mac[2] != 0)
		return -1;
	*seq = (uint32_t)mac[3] << 16 | (uint32_t)mac[4] << 8 | mac[5];
	return 0;
}

/* The sequence number an answer for target carries, or -1. */
static int answer_seq(const struct lb_arp_frame *f, const struct lb_addr *target, uint32_t *seq)
{
	if (f->kind == LB_ARP_FRAME_ARP_REPLY && lb_addr_eq(&f->spa, target))
		return mac_seq(f->tha, seq);
	if (f->kind == LB_ARP_FRAME_NA && lb_addr_eq(&f->target, target))
		return mac_seq(f->eth_dst, seq);
	return -1;
}

static int request_seq(const struct lb_arp_frame *f, const struct lb_addr *target, uint32_t *seq)
{
	if (f->kind == LB_ARP_FRAME_ARP_REQUEST && lb_addr_eq(&f->tpa, target))
		return mac_seq(f->sha, seq);
	if (f->kind == LB_ARP_FRAME_NS && lb_addr_eq(&f->target, target) && f->has_lladdr)
		return mac_seq(f->lladdr, seq);
	return -1;
}

static void drain(int s, const struct lb_addr *target, int ntargets, uint8_t *answered,
		  uint32_t max, uint32_t *count)
{
	uint8_t buf[2048];
	for (;;) {
		ssize_t n = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			return;
		struct lb_arp_frame f;
		struct lb_err err;
		uint32_t seq;
		if (lb_arp_frame_parse(buf, (size_t)n, &f, &err) != 1)
			continue;
		int k = 0;
		while (k < ntargets && answer_seq(&f, &target[k], &seq) < 0)
			k++;
		/* A target answers for its own sequence numbers only. */
		if (k < ntargets && seq < max && seq % (uint32_t)ntargets == (uint32_t)k &&
		    !answered[seq]) {
			answered[seq] = 1;
			count[k]++;
		}
	}
}

#define MAX_TARGETS 4

static int parse_targets(int n, char **in, struct lb_addr *out)
{
	struct lb_err err;
	for (int i = 0; i < n; i++) {
		if (lb_addr_parse(in[i], &out[i], &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			return -1;
		}
	}
	return 0;
}

static int load(const char *ifname, long rate, long seconds, int ntargets, char **targets_s)
{
	struct lb_addr target[MAX_TARGETS], source[MAX_TARGETS], dst[MAX_TARGETS];
	struct lb_err err;
	int ifindex, s = open_packet(ifname, &ifindex);
	if (parse_targets(ntargets, targets_s, target) < 0)
		return 2;
	uint8_t dmac[MAX_TARGETS][6];
	for (int i = 0; i < ntargets; i++) {
		lb_addr_parse(target[i].family == LB_AF_INET ? "192.0.2.2" : "2001:db8::2", &source[i],
			      &err);
		lb_arp_frame_solicited_node(&target[i], &dst[i]);
		lb_arp_frame_mcast_mac(&dst[i], dmac[i]);
	}
	long total_rate = rate * ntargets;
	uint32_t total = (uint32_t)(total_rate * seconds);
	uint8_t *answered = calloc(total, 1);
	uint8_t frame[LB_NDP_FRAME_MAX], mac[6];
	static const uint8_t zero[6];
	uint32_t sent = 0, count[MAX_TARGETS] = {0};
	double start = now_s();
	while (sent < total) {
		double due = start + (double)sent / (double)total_rate;
		double t = now_s();
		if (t < due) {
			/* Sleep, not spin: on a 2-CPU machine a spinning client
			 * would steal the CPU the user-space responder needs. */
			struct timespec d = {0, (long)((due - t) * 1e9)};
			nanosleep(&d, NULL);
			continue;
		}
		/* Read the answers as they come, also when behind schedule:
		 * left in the socket they would overflow its buffer and
		 * count as lost. */
		if (sent % 64 == 0)
			drain(s, target, ntargets, answered, total, count);
		int k = (int)(sent % (uint32_t)ntargets);
		seq_mac(sent, mac);
		size_t len = target[k].family == LB_AF_INET
				     ? lb_arp_frame_build_arp(frame, sizeof(frame), lb_arp_frame_broadcast,
							      mac, 1, mac, &source[k], zero, &target[k])
				     : lb_arp_frame_build_ns(frame, sizeof(frame), dmac[k], mac, &source[k],
							     &dst[k], &target[k]);
		if (send(s, frame, len, 0) < 0) {
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;
			perror("send");
			return 3;
		}
		sent++;
	}
	double secs = now_s() - start, end = now_s() + 0.5;
	while (now_s() < end) {
		drain(s, target, ntargets, answered, total, count);
		usleep(1000);
	}
	for (int k = 0; k < ntargets; k++) {
		uint32_t mine = sent / (uint32_t)ntargets + ((uint32_t)k < sent % (uint32_t)ntargets);
		printf("%s sent %u answered %u seconds %.3f\n", targets_s[k], mine, count[k], secs);
	}
	free(answered);
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *name, uint32_t *lat_ns, uint32_t nlat)
{
	if (!nlat) {
		printf("%s n 0\n", name);
		return;
	}
	qsort(lat_ns, nlat, sizeof(*lat_ns), cmp_u32);
	printf("%s n %u p50 %.1f p99 %.1f max %.1f\n", name, nlat, lat_ns[nlat / 2] / 1000.0,
	       lat_ns[(size_t)((double)nlat * 0.99)] / 1000.0, lat_ns[nlat - 1] / 1000.0);
}

static int watch(const char *ifname, long seconds, int ntargets, char **targets_s)
{
	struct lb_addr target[MAX_TARGETS];
	struct lb_err err;
	int ifindex, s = open_packet(ifname, &ifindex);
	if (parse_targets(ntargets, targets_s, target) < 0)
		return 2;
	const uint32_t max = 1u << 24, cap = 4000000u;
	uint64_t *in_ns = calloc(max, sizeof(*in_ns));
	uint32_t *lat_ns[MAX_TARGETS], nlat[MAX_TARGETS] = {0};
	for (int k = 0; k < ntargets; k++)
		lat_ns[k] = malloc(sizeof(uint32_t) * cap);
	double end = now_s() + (double)seconds;
	fprintf(stderr, "ready\n");
	while (now_s() < end) {
		struct pollfd pfd = {s, POLLIN, 0};
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		for (;;) {
			uint8_t buf[2048];
			char cbuf[256];
			struct sockaddr_ll from;
			struct iovec iov = {buf, sizeof(buf)};
			struct msghdr msg = {&from, sizeof(from), &iov, 1, cbuf, sizeof(cbuf), 0};
			ssize_t n = recvmsg(s, &msg, MSG_DONTWAIT);
			if (n < 0)
				break;
			uint64_t ts = 0;
			for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
				if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
					struct timespec t;
					memcpy(&t, CMSG_DATA(c), sizeof(t));
					ts = (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
				}
			}
			struct lb_arp_frame f;
			uint32_t seq;
			if (!ts || lb_arp_frame_parse(buf, (size_t)n, &f, &err) != 1)
				continue;
			for (int k = 0; k < ntargets; k++) {
				if (from.sll_pkttype != PACKET_OUTGOING &&
				    request_seq(&f, &target[k], &seq) == 0 && seq < max) {
					in_ns[seq] = ts;
				} else if (from.sll_pkttype == PACKET_OUTGOING &&
					   answer_seq(&f, &target[k], &seq) == 0 && seq < max &&
					   in_ns[seq] && nlat[k] < cap) {
					lat_ns[k][nlat[k]++] = (uint32_t)(ts - in_ns[seq]);
					in_ns[seq] = 0;
				}
			}
		}
	}
	for (int k = 0; k < ntargets; k++) {
		report(targets_s[k], lat_ns[k], nlat[k]);
		free(lat_ns[k]);
	}
	free(in_ns);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && argc - 5 <= MAX_TARGETS && !strcmp(argv[1], "load"))
		return load(argv[2], atol(argv[3]), atol(argv[4]), argc - 5, argv + 5);
	if (argc >= 5 && argc - 4 <= MAX_TARGETS && !strcmp(argv[1], "watch"))
		return watch(argv[2], atol(argv[3]), argc - 4, argv + 4);
	fprintf(stderr, "usage: arpbench load IFACE RATE SECONDS TARGET... | "
			"watch IFACE SECONDS TARGET...\n");
	return 2;
}
