/* ICMP and ICMPv6 echo messages (RFC 792, RFC 4443 §4.1-4.2): built into
 * caller memory and recognised in received bytes through a bounded cursor.
 * Pure code, no sockets. */
#ifndef LB_ICMP_ECHO_H
#define LB_ICMP_ECHO_H

#include <stddef.h>
#include <stdint.h>

#define LB_ICMP_ECHO_LEN 16 /* header (8) and an 8-byte payload */

/* Writes an echo request of LB_ICMP_ECHO_LEN bytes; returns its length,
 * or 0 when cap is too small. The IPv4 checksum is filled in; for ICMPv6
 * the kernel computes it over the pseudo-header (RFC 3542 §3.1). */
size_t lb_icmp_echo_build(uint8_t *out, size_t cap, int v6, uint16_t id, uint16_t seq,
			  uint64_t cookie);

/* Recognises an echo reply. ip_header: the bytes start with an IPv4 header
 * (raw IPv4 sockets deliver it). Returns 0 and fills id, seq and cookie, or
 * -1 for anything else (other types, truncated, bad header length). */
int lb_icmp_echo_parse(const uint8_t *p, size_t len, int v6, int ip_header, uint16_t *id,
		       uint16_t *seq, uint64_t *cookie);

/* RFC 1071 Internet checksum. */
uint16_t lb_icmp_checksum(const uint8_t *p, size_t len);

#endif
