/* Bounded byte cursors for protocol parsing and building (OpenBGPD ibuf
 * style). A reader can never step past its end: every getter checks first
 * and returns -1 without moving. A writer collects failures in a sticky flag
 * so a builder checks once at the end instead of after every put. Integers
 * are big-endian (network order) and assembled with shifts, never by casting
 * packet bytes to wider types. */
#ifndef LB_BUF_H
#define LB_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lb_buf {
	const uint8_t *p; /* next unread byte */
	size_t left;      /* bytes from p to the end */
};

void lb_buf_init(struct lb_buf *b, const void *p, size_t len);
size_t lb_buf_left(const struct lb_buf *b);
const uint8_t *lb_buf_ptr(const struct lb_buf *b);

/* Each returns 0, or -1 (nothing consumed, *v untouched) when too short. */
int lb_buf_get_u8(struct lb_buf *b, uint8_t *v);
int lb_buf_get_u16(struct lb_buf *b, uint16_t *v);
int lb_buf_get_u32(struct lb_buf *b, uint32_t *v);
int lb_buf_get_bytes(struct lb_buf *b, void *dst, size_t n);
int lb_buf_peek_u8(const struct lb_buf *b, uint8_t *v);
int lb_buf_skip(struct lb_buf *b, size_t n);
/* Cuts the next n bytes out as their own cursor (a TLV's value) and steps
 * past them, so the TLV parser cannot run into its neighbour. */
int lb_buf_sub(struct lb_buf *b, size_t n, struct lb_buf *sub);

static inline uint16_t lb_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t lb_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void lb_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void lb_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A writer over caller memory (fixed) or over a heap block that grows up to
 * max bytes. Once a put fails, every later put is a no-op and err stays set. */
struct lb_wbuf {
	uint8_t *p;
	size_t len, cap, max;
	bool fixed;
	bool err;
};

void lb_wbuf_init_fixed(struct lb_wbuf *w, void *mem, size_t cap);
void lb_wbuf_init(struct lb_wbuf *w, size_t max); /* growable; max 0: SIZE_MAX */
void lb_wbuf_free(struct lb_wbuf *w);             /* only for growable ones */
void lb_wbuf_reset(struct lb_wbuf *w);            /* empty, error cleared */

void lb_wbuf_put_u8(struct lb_wbuf *w, uint8_t v);
void lb_wbuf_put_u16(struct lb_wbuf *w, uint16_t v);
void lb_wbuf_put_u32(struct lb_wbuf *w, uint32_t v);
void lb_wbuf_put_bytes(struct lb_wbuf *w, const void *src, size_t n);
void lb_wbuf_put_zero(struct lb_wbuf *w, size_t n);
/* Reserves n zero bytes for a length field written once the body is known;
 * returns their offset (meaningless when the writer is in error). */
size_t lb_wbuf_reserve(struct lb_wbuf *w, size_t n);
/* Patch previously written bytes; out-of-range offsets set the error. */
void lb_wbuf_patch_u8(struct lb_wbuf *w, size_t off, uint8_t v);
void lb_wbuf_patch_u16(struct lb_wbuf *w, size_t off, uint16_t v);
/* Drops everything after len (undoing a partial write). */
void lb_wbuf_truncate(struct lb_wbuf *w, size_t len);

size_t lb_wbuf_len(const struct lb_wbuf *w);
const uint8_t *lb_wbuf_data(const struct lb_wbuf *w);
size_t lb_wbuf_room(const struct lb_wbuf *w); /* bytes that still fit */
/* 0 if every write so far succeeded, -1 otherwise. */
int lb_wbuf_error(const struct lb_wbuf *w);

#endif
