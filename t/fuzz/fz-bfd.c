/* BFD control packets from the network: whatever decodes must encode back
 * to the same fields, and a session fed it must stay in a valid state. */
#include <stdint.h>
#include <string.h>

#include "bfd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                           \
	do {                                                                                  \
		if (!(cond))                                                                  \
			__builtin_trap();                                                     \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb_bfd_packet pk, back;
	struct lb_err err;
	struct lb_bfd b;
	uint8_t wire[LB_BFD_LEN];

	lb_bfd_init(&b, 42, 100000, 100000, 3, 1);
	/* Several packets in a row drive the state machine. */
	for (uint64_t now = 2; size >= LB_BFD_LEN; now += 50000) {
		if (lb_bfd_decode(data, size, &pk, &err) == 0) {
			CHECK(pk.version == 1 && pk.detect_mult && pk.my_disc && !pk.auth);
			lb_bfd_encode(&pk, wire);
			CHECK(lb_bfd_decode(wire, sizeof(wire), &back, &err) == 0);
			CHECK(back.state == pk.state && back.my_disc == pk.my_disc &&
			      back.your_disc == pk.your_disc && back.poll == pk.poll &&
			      back.final == pk.final && back.desired_min_tx == pk.desired_min_tx);
			lb_bfd_receive(&b, &pk, now);
		}
		lb_bfd_tick(&b, now);
		lb_bfd_due(&b, now, &pk);
		CHECK(b.state <= LB_BFD_UP);
		data += LB_BFD_LEN;
		size -= LB_BFD_LEN;
	}
	return 0;
}
