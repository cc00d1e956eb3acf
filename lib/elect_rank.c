#include "elect_rank.h"

#include <string.h>

#include <openssl/evp.h>

int lb_elect_l2_rank(const char *node, const char *ip, unsigned char out[LB_ELECT_RANK_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
		 EVP_DigestUpdate(ctx, node, strlen(node)) && EVP_DigestUpdate(ctx, "#", 1) &&
		 EVP_DigestUpdate(ctx, ip, strlen(ip)) && EVP_DigestFinal_ex(ctx, out, &len) &&
		 len == LB_ELECT_RANK_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

int lb_elect_rank_ip(const char *text, char buf[LB_ADDR_STRLEN])
{
	struct lb_addr a;
	if (lb_addr_parse(text, &a, NULL) < 0)
		return -1;
	/* Go keeps an IPv4-mapped address as its IPv4 form (net.IP.To4), where
	 * RFC 5952 section 5 writes ::ffff:a.b.c.d. */
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (a.family == LB_AF_INET6 && !memcmp(a.b, mapped, sizeof(mapped)))
		a.family = LB_AF_INET;
	lb_addr_format(&a, buf);
	return 0;
}
