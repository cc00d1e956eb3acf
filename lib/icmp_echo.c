#include "icmp_echo.h"

#include "buf.h"

/* RFC 792 and RFC 4443 §4: echo request/reply types. */
#define ICMP4_ECHO_REQUEST 8
#define ICMP4_ECHO_REPLY 0
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129

uint16_t lb_icmp_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;
	for (i = 0; i + 1 < len; i += 2)
		sum += lb_be16(p + i);
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t lb_icmp_echo_build(uint8_t *out, size_t cap, int v6, uint16_t id, uint16_t seq,
			  uint64_t cookie)
{
	if (cap < LB_ICMP_ECHO_LEN)
		return 0;
	out[0] = v6 ? ICMP6_ECHO_REQUEST : ICMP4_ECHO_REQUEST;
	out[1] = 0;
	lb_put_be16(out + 2, 0);
	lb_put_be16(out + 4, id);
	lb_put_be16(out + 6, seq);
	lb_put_be32(out + 8, (uint32_t)(cookie >> 32));
	lb_put_be32(out + 12, (uint32_t)cookie);
	if (!v6)
		lb_put_be16(out + 2, lb_icmp_checksum(out, LB_ICMP_ECHO_LEN));
	return LB_ICMP_ECHO_LEN;
}

int lb_icmp_echo_parse(const uint8_t *p, size_t len, int v6, int ip_header, uint16_t *id,
		       uint16_t *seq, uint64_t *cookie)
{
	struct lb_buf b;
	uint8_t type, code, vihl;
	uint16_t sum, i, s;
	uint32_t hi, lo;
	lb_buf_init(&b, p, len);
	if (ip_header && !v6) {
		/* RFC 791 §3.1: IHL counts 32-bit words, at least 5. */
		if (lb_buf_peek_u8(&b, &vihl) < 0 || (vihl >> 4) != 4 || (vihl & 0x0f) < 5 ||
		    lb_buf_skip(&b, (size_t)(vihl & 0x0f) * 4) < 0)
			return -1;
	}
	if (lb_buf_get_u8(&b, &type) < 0 || lb_buf_get_u8(&b, &code) < 0 ||
	    lb_buf_get_u16(&b, &sum) < 0 || lb_buf_get_u16(&b, &i) < 0 ||
	    lb_buf_get_u16(&b, &s) < 0 || lb_buf_get_u32(&b, &hi) < 0 ||
	    lb_buf_get_u32(&b, &lo) < 0)
		return -1;
	if (type != (v6 ? ICMP6_ECHO_REPLY : ICMP4_ECHO_REPLY) || code != 0)
		return -1;
	*id = i;
	*seq = s;
	*cookie = (uint64_t)hi << 32 | lo;
	return 0;
}
