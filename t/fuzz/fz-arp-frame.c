/* libFuzzer: lib/arp_frame's parser over arbitrary frames, and the answer
 * built for whatever parsed, which must parse back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arp_frame.h"

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
	}
	free(copy);
	return 0;
}
