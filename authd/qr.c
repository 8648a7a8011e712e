/* qr.c — see qr.h. */
#include "qr.h"

#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sec.h"

#define QUIET 4

static void code_at(const uint8_t secret[QR_SECRET_LEN], const char *qid, long long t,
                    char out[QR_CODE_LEN + 1])
{
	uint8_t mac[SEC_SHA256_LEN];
	char msg[QR_ID_LEN + 24], b64[48];

	snprintf(msg, sizeof(msg), "%s.%lld", qid, t);
	sec_hmac256(secret, QR_SECRET_LEN, msg, strlen(msg), NULL, 0, mac);
	sec_b64url_encode(mac, sizeof(mac), b64);
	memcpy(out, b64, QR_CODE_LEN);
	out[QR_CODE_LEN] = '\0';
}

void qr_payload(const uint8_t secret[QR_SECRET_LEN], const char *qid, long long t,
                char out[QR_PAYLOAD_MAX])
{
	char code[QR_CODE_LEN + 1];

	code_at(secret, qid, t, code);
	snprintf(out, QR_PAYLOAD_MAX, "EID1.%s.%lld.%s", qid, t, code);
}

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int qr_parse(const char *payload, char qid[QR_ID_LEN + 1], long long *t)
{
	const char *p = payload, *dot;
	size_t n;

	if (payload == NULL || strncmp(p, "EID1.", 5) != 0 || strlen(p) >= QR_PAYLOAD_MAX)
		return -1;
	p += 5;
	if (strspn(p, B64URL) != QR_ID_LEN || p[QR_ID_LEN] != '.')
		return -1;
	memcpy(qid, p, QR_ID_LEN);
	qid[QR_ID_LEN] = '\0';
	p += QR_ID_LEN + 1;
	n = strspn(p, "0123456789");
	if (n == 0 || n > 6 || p[n] != '.' || (n > 1 && p[0] == '0'))
		return -1;
	*t = atoll(p);
	dot = p + n;
	if (strspn(dot + 1, B64URL) != QR_CODE_LEN || dot[1 + QR_CODE_LEN] != '\0')
		return -1;
	return 0;
}

int qr_fresh(const uint8_t secret[QR_SECRET_LEN], const char *payload, long long elapsed,
             long long tolerance)
{
	char qid[QR_ID_LEN + 1], want[QR_CODE_LEN + 1];
	const char *code;
	long long t;

	if (qr_parse(payload, qid, &t) != 0 || t > elapsed || elapsed - t > tolerance)
		return 0;
	code = strrchr(payload, '.') + 1;
	code_at(secret, qid, t, want);
	return sec_ct_eq(want, QR_CODE_LEN, code, strlen(code));
}

char *qr_svg(struct arena *a, const char *payload)
{
	QRcode *q = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	char *out, *p;
	size_t cap;
	int w;

	if (q == NULL)
		return NULL;
	w = q->width;
	/* each dark module: "M%d %dh1v1h-1z" is at most 20 bytes */
	cap = 512 + (size_t)w * (size_t)w * 20;
	if ((out = arena_alloc(a, cap)) == NULL) {
		QRcode_free(q);
		return NULL;
	}
	p = out + snprintf(out, cap,
	                   "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
	                   "shape-rendering=\"crispEdges\"><rect width=\"100%%\" height=\"100%%\" "
	                   "fill=\"#fff\"/><path fill=\"#000\" d=\"",
	                   w + 2 * QUIET, w + 2 * QUIET);
	for (int y = 0; y < w; y++)
		for (int x = 0; x < w; x++)
			if (q->data[y * w + x] & 1)
				p += snprintf(p, cap - (size_t)(p - out), "M%d %dh1v1h-1z", x + QUIET,
				              y + QUIET);
	snprintf(p, cap - (size_t)(p - out), "\"/></svg>");
	QRcode_free(q);
	return out;
}
