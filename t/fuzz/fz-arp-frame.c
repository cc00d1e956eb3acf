/* libFuzzer: lib/arp_frame's parser over arbitrary frames, the answer
 * built for whatever parsed, which must parse back, and lib/arp_probe's
 * judgement of it as a response (its line must stay a terminated string
 * in its buffer, its counters consistent). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arp_frame.h"
#include "arp_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[LB_ETH_ALEN] = {0x02, 0, 0, 0, 0, 0x0a};
	struct lb_arp_frame f, back;
	struct lb_err err;
	uint8_t out[LB_NDP_FRAME_MAX];
	/* A copy of exactly size bytes, so ASan catches a read past the end. */
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (lb_arp_frame_parse(copy, size, &f, &err) == 1) {
		struct lb_addr ip;
		uint8_t claimed[LB_ETH_ALEN];
		if (lb_arp_frame_claim(&f, &ip, claimed) && ip.family != LB_AF_INET &&
		    ip.family != LB_AF_INET6)
			abort();
		size_t n = lb_arp_frame_answer(&f, mac, out, sizeof(out));
		if (n && lb_arp_frame_parse(out, n, &back, &err) != 1)
			abort(); /* we built a frame we would reject */
		/* The probe for whatever address the frame is about, with
		 * each mode's rules. */
		for (int mode = 0; mode < 4; mode++) {
			struct lb_arp_probe p;
			struct lb_arp_probe_response resp;
			lb_arp_probe_init(&p);
			int v4 = f.kind == LB_ARP_FRAME_ARP_REQUEST || f.kind == LB_ARP_FRAME_ARP_REPLY;
			p.target = v4 ? f.spa : f.target;
			p.source = v4 ? f.tpa : f.ip_dst;
			memcpy(p.mac, (mode & 1) ? f.eth_dst : mac, LB_ETH_ALEN);
			p.dad = mode & 2;
			p.count = 2;
			p.deadline_s = mode;
			memset(resp.line, 'x', sizeof(resp.line));
			if (lb_arp_probe_accept(&p, &f, &resp)) {
				if (!memchr(resp.line, 0, sizeof(resp.line)) || p.received != 1 ||
				    p.brd_recv > p.received || p.req_recv > p.received)
					abort();
			}
			char sum[256];
			if (lb_arp_probe_summary(&p, sum, sizeof(sum)) >= (int)sizeof(sum))
				abort();
		}
	}
	free(copy);
	return 0;
}
