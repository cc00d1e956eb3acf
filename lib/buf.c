#include "buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void lb_buf_init(struct lb_buf *b, const void *p, size_t len)
{
	b->p = p;
	b->left = p ? len : 0;
}

size_t lb_buf_left(const struct lb_buf *b)
{
	return b->left;
}

const uint8_t *lb_buf_ptr(const struct lb_buf *b)
{
	return b->p;
}

int lb_buf_skip(struct lb_buf *b, size_t n)
{
	if (n > b->left)
		return -1;
	if (n) /* p may be NULL for an empty buffer; NULL + 0 is still UB */
		b->p += n;
	b->left -= n;
	return 0;
}

int lb_buf_get_bytes(struct lb_buf *b, void *dst, size_t n)
{
	if (n > b->left)
		return -1;
	if (n)
		memcpy(dst, b->p, n);
	return lb_buf_skip(b, n);
}

int lb_buf_peek_u8(const struct lb_buf *b, uint8_t *v)
{
	if (b->left < 1)
		return -1;
	*v = b->p[0];
	return 0;
}

int lb_buf_get_u8(struct lb_buf *b, uint8_t *v)
{
	if (lb_buf_peek_u8(b, v) == -1)
		return -1;
	return lb_buf_skip(b, 1);
}

int lb_buf_get_u16(struct lb_buf *b, uint16_t *v)
{
	if (b->left < 2)
		return -1;
	*v = lb_be16(b->p);
	return lb_buf_skip(b, 2);
}

int lb_buf_get_u32(struct lb_buf *b, uint32_t *v)
{
	if (b->left < 4)
		return -1;
	*v = lb_be32(b->p);
	return lb_buf_skip(b, 4);
}

int lb_buf_sub(struct lb_buf *b, size_t n, struct lb_buf *sub)
{
	if (n > b->left)
		return -1;
	sub->p = b->p;
	sub->left = n;
	return lb_buf_skip(b, n);
}

void lb_wbuf_init_fixed(struct lb_wbuf *w, void *mem, size_t cap)
{
	w->p = mem;
	w->len = 0;
	w->cap = mem ? cap : 0;
	w->max = w->cap;
	w->fixed = true;
	w->err = false;
}

void lb_wbuf_init(struct lb_wbuf *w, size_t max)
{
	w->p = NULL;
	w->len = w->cap = 0;
	w->max = max ? max : SIZE_MAX;
	w->fixed = false;
	w->err = false;
}

void lb_wbuf_free(struct lb_wbuf *w)
{
	if (!w->fixed)
		free(w->p);
	w->p = NULL;
	w->len = w->cap = 0;
}

void lb_wbuf_reset(struct lb_wbuf *w)
{
	w->len = 0;
	w->err = false;
}

/* Makes room for n more bytes, or sets the sticky error. */
static uint8_t *wbuf_claim(struct lb_wbuf *w, size_t n)
{
	if (w->err)
		return NULL;
	if (n > w->max - w->len) {
		w->err = true;
		return NULL;
	}
	if (w->len + n > w->cap) {
		if (w->fixed) {
			w->err = true;
			return NULL;
		}
		size_t cap = w->cap ? w->cap : 256;
		while (cap < w->len + n)
			cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
		if (cap > w->max)
			cap = w->max;
		uint8_t *p = realloc(w->p, cap);
		if (!p) {
			w->err = true;
			return NULL;
		}
		w->p = p;
		w->cap = cap;
	}
	uint8_t *at = w->p + w->len;
	w->len += n;
	return at;
}

void lb_wbuf_put_u8(struct lb_wbuf *w, uint8_t v)
{
	uint8_t *p = wbuf_claim(w, 1);
	if (p)
		p[0] = v;
}

void lb_wbuf_put_u16(struct lb_wbuf *w, uint16_t v)
{
	uint8_t *p = wbuf_claim(w, 2);
	if (p)
		lb_put_be16(p, v);
}

void lb_wbuf_put_u32(struct lb_wbuf *w, uint32_t v)
{
	uint8_t *p = wbuf_claim(w, 4);
	if (p)
		lb_put_be32(p, v);
}

void lb_wbuf_put_bytes(struct lb_wbuf *w, const void *src, size_t n)
{
	uint8_t *p = wbuf_claim(w, n);
	if (p && n)
		memcpy(p, src, n);
}

void lb_wbuf_put_zero(struct lb_wbuf *w, size_t n)
{
	uint8_t *p = wbuf_claim(w, n);
	if (p && n)
		memset(p, 0, n);
}

size_t lb_wbuf_reserve(struct lb_wbuf *w, size_t n)
{
	size_t off = w->len;
	lb_wbuf_put_zero(w, n);
	return off;
}

void lb_wbuf_patch_u8(struct lb_wbuf *w, size_t off, uint8_t v)
{
	if (w->err)
		return;
	if (off >= w->len) {
		w->err = true;
		return;
	}
	w->p[off] = v;
}

void lb_wbuf_patch_u16(struct lb_wbuf *w, size_t off, uint16_t v)
{
	if (w->err)
		return;
	if (off > w->len || w->len - off < 2) {
		w->err = true;
		return;
	}
	lb_put_be16(w->p + off, v);
}

void lb_wbuf_truncate(struct lb_wbuf *w, size_t len)
{
	if (len < w->len)
		w->len = len;
}

size_t lb_wbuf_len(const struct lb_wbuf *w)
{
	return w->len;
}

const uint8_t *lb_wbuf_data(const struct lb_wbuf *w)
{
	return w->p;
}

size_t lb_wbuf_room(const struct lb_wbuf *w)
{
	if (w->err)
		return 0;
	return w->max - w->len;
}

int lb_wbuf_error(const struct lb_wbuf *w)
{
	return w->err ? -1 : 0;
}
