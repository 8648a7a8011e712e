/* gen.c — see gen.h. */
#include "gen.h"

#include <stdlib.h>

#include "chip.h"
#include "clients.h"
#include "conf.h"
#include "ep_discovery.h"
#include "fetch.h"
#include "keys.h"
#include "log.h"
#include "sec.h"

int gen_load(const char *conf_path, unsigned long serial, struct gen **out, struct errbuf *eb)
{
	struct gen *g = calloc(1, sizeof(*g));
	int r;

	if (g == NULL)
		return E_NOMEM;
	g->refs = 1;
	g->serial = serial;
	if ((r = conf_load(conf_path, &g->conf, eb)) != 0)
		goto out;
	/* once per generation, not per message; errors name the config file and key */
	if (g->conf->sms_webhook != NULL && g->conf->sms_webhook->https &&
	    (r = fetch_tls_new(g->conf->sms_webhook_ca_file,
	                       g->conf->sms_webhook_ca_file != NULL ? "sms.webhook_ca_file"
	                                                            : "sms.webhook_url",
	                       &g->sms_tls, eb)) != 0)
		goto out;
	if ((r = fetch_tls_new(g->conf->bcl_ca_file, "backchannel.ca_file", &g->bcl_tls, eb)) != 0)
		goto out;
	eb->file = NULL;
	if ((r = keys_load(g->conf->keys_dir, &g->keys, eb)) != 0)
		goto out;
	if ((r = keys_secret_load(g->conf->keys_dir, "pepper.key", g->pepper, eb)) != 0 ||
	    (r = keys_secret_load(g->conf->keys_dir, "data.key", g->data_key, eb)) != 0)
		goto out;
	if ((r = chip_csca_load(g->conf->csca_dir, &g->csca, &g->ncsca, eb)) != 0)
		goto out;
	eb->file = NULL;
	if ((r = clients_load(g->conf->clients_dir, &g->clients, eb)) != 0)
		goto out;
	/* A registration asking for RS256 ID tokens needs a key to sign them with. */
	for (size_t i = 0; i < g->clients->n; i++) {
		const struct client *c = g->clients->v[i];

		if (c->id_token_alg == KEY_RS256 && keys_active(g->keys, KEY_RS256) == NULL) {
			r = eb_set(eb, E_INVALID,
			           "%s: id_token_signed_response_alg: RS256, but keys/keys.json has no "
			           "active RS256 key",
			           c->file);
			goto out;
		}
	}
	if ((r = ep_discovery_render(g->conf, g->keys, &g->discovery, &g->discovery_len)) != 0) {
		eb_set(eb, r, "cannot render discovery: %s", err_name(r));
		goto out;
	}
	*out = g;
	g = NULL;
	r = 0;
out:
	gen_unref(g);
	return r;
}

struct gen *gen_ref(struct gen *g)
{
	g->refs++;
	return g;
}

void gen_unref(struct gen *g)
{
	if (g == NULL || --g->refs > 0)
		return;
	sec_wipe(g->pepper, sizeof(g->pepper));
	sec_wipe(g->data_key, sizeof(g->data_key));
	free(g->discovery);
	X509_STORE_free(g->csca);
	SSL_CTX_free(g->sms_tls);
	SSL_CTX_free(g->bcl_tls);
	clients_free(g->clients);
	keys_free(g->keys);
	conf_free(g->conf);
	free(g);
}
