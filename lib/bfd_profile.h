/* MetalLB's BFDProfile (metallb.io/v1beta1): the BFD parameters a BGPPeer
 * names in spec.bfdProfile. Pure code: a JSON object in, the parameters
 * out, with MetalLB's bounds and its defaults for absent fields. */
#ifndef LB_BFD_PROFILE_H
#define LB_BFD_PROFILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum {
	LB_BFD_PROFILE_INTERVAL_MS = 300, /* receive and transmit, when absent */
	LB_BFD_PROFILE_MULTIPLIER = 3,
	LB_BFD_PROFILE_MIN_TTL = 254,
};

struct lb_bfd_profile {
	uint32_t receive_ms, transmit_ms; /* 10-60000 */
	uint8_t detect_mult;              /* 2-255 */
	uint8_t min_ttl;                  /* 1-254; multi-hop sessions only (RFC 5883 §5) */
	bool echo;                        /* asked for; lbkit sends no echo packets */
	bool passive;                     /* RFC 5880 §6.1 Passive role */
};

/* The defaults MetalLB's BFD daemon applies to absent fields. */
void lb_bfd_profile_defaults(struct lb_bfd_profile *p);

/* A BFDProfile object: receiveInterval, transmitInterval, detectMultiplier,
 * minimumTtl, echoInterval (checked, unused), echoMode, passiveMode. name
 * receives metadata.name. -1 with err naming the profile and the field when
 * the object is not a BFDProfile or a field is out of MetalLB's bounds. */
int lb_bfd_profile_from_object(const json_t *obj, struct lb_bfd_profile *out, char *name,
			       size_t name_size, struct lb_err *err);

/* A BGPPeer's spec.bfdProfile: *name NULL when absent; -1 when it is not
 * a non-empty string. *name points into obj. */
int lb_bfd_profile_of_peer(const json_t *obj, const char **name, struct lb_err *err);

/* True when a and b would run the same session. */
bool lb_bfd_profile_equal(const struct lb_bfd_profile *a, const struct lb_bfd_profile *b);

#endif
