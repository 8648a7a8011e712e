/*
 * gen.h — the reloadable generation: config + keys + clients + pre-rendered discovery and JWKS
 * bytes, refcounted. A worker holds one current generation; each request holds a reference until
 * it is freed. A reload validates a whole new generation and swaps it in; on any error the old
 * one stays and the error is logged.
 *
 * Workers are single-threaded: the refcount is a plain int.
 */
#ifndef AUTHD_GEN_H
#define AUTHD_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct conf;
struct keyset;
struct clientset;

struct gen {
	int refs;
	unsigned long serial;
	struct conf *conf;
	struct keyset *keys;
	struct clientset *clients;
	struct x509_store_st *csca; /* chip.csca_dir: trust anchors for level 2 by chip */
	struct ssl_ctx_st *sms_tls; /* https sms.webhook_url: client TLS (sms.webhook_ca_file) */
	struct ssl_ctx_st *bcl_tls; /* back-channel logout to https RPs (backchannel.ca_file) */
	size_t ncsca;
	uint8_t pepper[32];   /* keys/pepper.key */
	uint8_t data_key[32]; /* keys/data.key */
	char *discovery; /* /.well-known/openid-configuration body */
	size_t discovery_len;
};

/* Loads authd.json and what it names. 0 and a generation with one reference, or an error with
 * "file: key: what is wrong" in eb. */
int gen_load(const char *conf_path, unsigned long serial, struct gen **out, struct errbuf *eb);
struct gen *gen_ref(struct gen *g);
void gen_unref(struct gen *g); /* frees on the last reference; NULL-safe */

#endif
