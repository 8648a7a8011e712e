/*
 * eid-app — the citizen's eID app, on the command line.
 *
 *   eid-app [--url URL] [--state DIR] [-c authd.json --dev-sms] activate \
 *           --id ID --phone PHONE --name NAME --dob YYYY-MM-DD --password PW --passcode PIN
 *           [--device-name NAME] [--code CODE]
 *   eid-app [...] recover --id ID --phone P --name N --dob D --password PW --passcode PIN
 *           lost phone or forgotten secrets: registry details + SMS → new secrets, this device
 *   eid-app [...] rebind --id ID --password PW    a new phone: password + SMS → this device
 *   eid-app [--state DIR] login --passcode PIN   open an app session (passcode + device key)
 *   eid-app [--state DIR] level2 --sod FILE --dg1 FILE   level 2 by chip card (EF.SOD, DG1)
 *   eid-app [--state DIR] otp        the current one-time code (TOTP, RFC 6238)
 *   eid-app [--state DIR] status     what this app is bound to (and the server's view, when
 *                                    a session is open)
 *   eid-app [--state DIR] pending    the services waiting for this citizen's approval (CIBA)
 *   eid-app [--state DIR] approve ID | deny ID   decide one, signed by the device key
 *   eid-app [--state DIR] scan PAYLOAD   a QR login shown by a browser: who asks, for what
 *   eid-app [--state DIR] approve | deny         decide the QR login just scanned
 *
 * The state directory (default ./var/eid-app) holds device.pem (the device's P-256 key, 0600)
 * and state.json (ID number, device id, TOTP seed; 0600). --dev-sms reads the SMS code from the
 * development outbox in the Redis that authd.json names; otherwise --code, or it asks on stdin.
 * Exit status: 0 done, 1 refused or failed (the reason is printed), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jwt.h>
#include <liboath/oath.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "accounts.h"
#include "conf.h"
#include "sec.h"
#include "skeys.h"
#include "tool.h"

struct opts {
	const char *url, *state, *conf, *id, *phone, *name, *dob, *password, *passcode;
	const char *device_name, *code, *sod, *dg1;
	int dev_sms;
};

static void usage(void)
{
	fprintf(stderr,
	        "usage: eid-app [--url URL] [--state DIR] [-c authd.json --dev-sms] activate --id ID "
	        "--phone PHONE --name NAME --dob YYYY-MM-DD --password PW --passcode PIN "
	        "[--device-name NAME] [--code CODE]\n"
	        "       eid-app [...] recover --id ID --phone P --name N --dob D --password PW "
	        "--passcode PIN\n"
	        "       eid-app [...] rebind --id ID --password PW\n"
	        "       eid-app [--state DIR] login --passcode PIN\n"
	        "       eid-app [--state DIR] level2 --sod FILE --dg1 FILE\n"
	        "       eid-app [--state DIR] otp | status | pending\n"
	        "       eid-app [--state DIR] approve ID | deny ID\n"
	        "       eid-app [--state DIR] scan PAYLOAD; eid-app approve | deny\n");
}

/* Prints the server's reason for a refusal and returns 1. */
static int refused(const char *what, int status, json_t *j)
{
	const char *e = json_string_value(json_object_get(j, "error"));
	const char *d = json_string_value(json_object_get(j, "error_description"));

	if (status == 0)
		fprintf(stderr, "eid-app: %s: the server could not be reached\n", what);
	else
		fprintf(stderr, "eid-app: %s refused (%d %s): %s\n", what, status, e ? e : "error",
		        d ? d : "no reason given");
	json_decref(j);
	return 1;
}

static char *endpoint(const struct opts *o, const char *path)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "%s%s", o->url, path);
	return buf;
}

static int write_file(const char *dir, const char *name, const char *data, size_t n)
{
	char path[1024];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, n) != (ssize_t)n || fsync(fd) != 0) {
		fprintf(stderr, "eid-app: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return close(fd);
}

static json_t *load_state(const char *dir)
{
	char path[1024];
	json_t *j;

	snprintf(path, sizeof(path), "%s/state.json", dir);
	if ((j = json_load_file(path, 0, NULL)) == NULL)
		fprintf(stderr, "eid-app: no app state in %s (run eid-app activate first)\n", dir);
	return j;
}

/* The newest SMS stream id before we ask for a code, so we read only what comes after. */
static char *outbox_last(redisContext *rc)
{
	redisReply *rr = redisCommand(rc, "XREVRANGE %s + - COUNT 1", SK_SMS_OUTBOX);
	char *id = strdup("0-0");

	if (rr != NULL && rr->type == REDIS_REPLY_ARRAY && rr->elements == 1) {
		free(id);
		id = strdup(rr->element[0]->element[0]->str);
	}
	freeReplyObject(rr);
	return id;
}

/* The outbox entry is for the phone the server showed us, masked (+84*****5678). */
static int phone_matches(const char *phone, const char *masked)
{
	size_t n = strlen(phone);

	return n == strlen(masked) && n > 7 && strncmp(phone, masked, 3) == 0 &&
	       strcmp(phone + n - 4, masked + n - 4) == 0;
}

/* Waits (50 x 100 ms) for an SMS to `phone` after stream id `after`; copies its 6-digit code. */
static int outbox_code(redisContext *rc, const char *after, const char *phone, char code[7])
{
	for (int tries = 0; tries < 50; tries++) {
		redisReply *rr = redisCommand(rc, "XRANGE %s (%s + COUNT 100", SK_SMS_OUTBOX, after);

		for (size_t i = 0; rr != NULL && rr->type == REDIS_REPLY_ARRAY && i < rr->elements; i++) {
			redisReply *f = rr->element[i]->element[1];
			const char *p = NULL, *t = NULL;

			for (size_t k = 0; k + 1 < f->elements; k += 2) {
				if (strcmp(f->element[k]->str, "phone") == 0)
					p = f->element[k + 1]->str;
				else if (strcmp(f->element[k]->str, "text") == 0)
					t = f->element[k + 1]->str;
			}
			for (; p != NULL && t != NULL && phone_matches(p, phone) && *t != '\0'; t++) {
				if (strspn(t, "0123456789") == 6) {
					memcpy(code, t, 6);
					code[6] = '\0';
					freeReplyObject(rr);
					return 0;
				}
			}
		}
		freeReplyObject(rr);
		usleep(100000);
	}
	return -1;
}

/* The device key: a new P-256 key; its public JWK for the server. */
static json_t *device_key(EVP_PKEY **out)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	BIGNUM *x = NULL, *y = NULL;
	unsigned char bx[32], by[32];
	char sx[64], sy[64];
	json_t *jwk = NULL;

	if (pk != NULL && EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
	    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1 &&
	    BN_bn2binpad(x, bx, 32) == 32 && BN_bn2binpad(y, by, 32) == 32) {
		sec_b64url_encode(bx, 32, sx);
		sec_b64url_encode(by, 32, sy);
		jwk = json_pack("{s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-256", "x", sx, "y", sy);
	}
	BN_free(x);
	BN_free(y);
	if (jwk == NULL) {
		EVP_PKEY_free(pk);
		return NULL;
	}
	*out = pk;
	return jwk;
}

/* The three SMS-confirmed flows the app drives: start → SMS code → verify → complete. */
enum flow { FLOW_ACTIVATE, FLOW_RECOVER, FLOW_REBIND };

static const struct {
	const char *path, *id_field, *what;
	int done_status;
} FLOWS[] = {
	[FLOW_ACTIVATE] = { "/app/v1/activation", "activation_id", "activation", 201 },
	[FLOW_RECOVER] = { "/app/v1/recovery", "recovery_id", "recovery", 200 },
	[FLOW_REBIND] = { "/app/v1/device", "operation_id", "new device", 200 },
};

static char *flow_path(const struct opts *o, enum flow f, const char *step)
{
	static char buf[1100];

	snprintf(buf, sizeof(buf), "%s%s/%s", o->url, FLOWS[f].path, step);
	return buf;
}

static int run_flow(const struct opts *o, enum flow f)
{
	char code[16], selfie[65], masked[ACCT_PHONE_MAX + 1];
	uint8_t h[SEC_SHA256_LEN];
	redisContext *rc = NULL;
	char *after = NULL;
	json_t *ans = NULL, *body, *jwk = NULL, *st = NULL, *done = NULL;
	EVP_PKEY *pk = NULL;
	const char *opid;
	int status, ret = 1;

	if (!o->id || (f != FLOW_REBIND && (!o->phone || !o->name || !o->dob || !o->passcode)) ||
	    !o->password) {
		usage();
		return 2;
	}
	if (o->dev_sms) {
		struct errbuf eb = { 0 };
		struct conf *c = NULL;

		if (conf_load(o->conf, &c, &eb) != 0) {
			fprintf(stderr, "eid-app: %s\n", eb.msg);
			return 1;
		}
		rc = tool_redis(c, "eid-app");
		conf_free(c);
		if (rc == NULL)
			return 1;
		after = outbox_last(rc);
	}
	/* 1. start: registry details (activation, recovery) or the password (new device) */
	if (f == FLOW_REBIND)
		body = json_pack("{s:s, s:s}", "id_number", o->id, "password", o->password);
	else
		body = json_pack("{s:s, s:s, s:s, s:s}", "id_number", o->id, "phone", o->phone,
		                 "full_name", o->name, "date_of_birth", o->dob);
	status = tool_http_json("POST", flow_path(o, f, "start"), body, NULL, 20, &ans);
	json_decref(body);
	if (status != 200) {
		ret = refused(FLOWS[f].what, status, ans);
		ans = NULL;
		goto out;
	}
	opid = json_string_value(json_object_get(ans, FLOWS[f].id_field));
	snprintf(masked, sizeof(masked), "%s", json_string_value(json_object_get(ans, "phone")));
	printf("an SMS code was sent to %s\n", masked);
	/* 2. the SMS code */
	if (o->code != NULL) {
		snprintf(code, sizeof(code), "%s", o->code);
	} else if (rc != NULL) {
		if (outbox_code(rc, after, masked, code) != 0) {
			fprintf(stderr, "eid-app: no SMS code arrived in the dev outbox\n");
			goto out;
		}
	} else {
		printf("SMS code: ");
		fflush(stdout);
		if (fgets(code, sizeof(code), stdin) == NULL)
			goto out;
		code[strcspn(code, "\r\n")] = '\0';
	}
	body = json_pack("{s:s, s:s, s:s}", "id_number", o->id, FLOWS[f].id_field, opid, "code",
	                 code);
	status = tool_http_json("POST", flow_path(o, f, "verify"), body, NULL, 10, &done);
	json_decref(body);
	if (status != 200) {
		ret = refused("SMS code", status, done);
		done = NULL;
		goto out;
	}
	json_decref(done);
	done = NULL;
	/* 3. complete: a new device key (and the secrets, for activation and recovery) */
	if ((jwk = device_key(&pk)) == NULL) {
		fprintf(stderr, "eid-app: cannot make a device key\n");
		goto out;
	}
	body = json_pack("{s:s, s:s, s:O, s:s}", "id_number", o->id, FLOWS[f].id_field, opid,
	                 "device_key", jwk, "device_name",
	                 o->device_name ? o->device_name : "eid-app");
	if (f != FLOW_REBIND) {
		json_object_set_new(body, "password", json_string(o->password));
		json_object_set_new(body, "passcode", json_string(o->passcode));
	}
	if (f == FLOW_ACTIVATE) {
		char seed[64];

		snprintf(seed, sizeof(seed), "selfie:%s:%ld", o->id, (long)time(NULL));
		sec_sha256(seed, strlen(seed), h);
		for (int i = 0; i < 32; i++)
			snprintf(selfie + 2 * i, 3, "%02x", h[i]);
		json_object_set_new(body, "selfie_hash", json_string(selfie));
	}
	status = tool_http_json("POST", flow_path(o, f, "complete"), body, NULL, 20, &done);
	json_decref(body);
	if (status != FLOWS[f].done_status) {
		ret = refused(FLOWS[f].what, status, done);
		done = NULL;
		goto out;
	}
	{
		BIO *b = BIO_new(BIO_s_mem());
		char *pem = NULL, *s;
		long n;

		mkdir(o->state, 0700);
		st = json_pack("{s:s, s:s, s:s, s:O, s:i}", "url", o->url, "id_number", o->id,
		               "device_id", json_string_value(json_object_get(done, "device_id")),
		               "totp", json_object_get(done, "totp"), "level",
		               f == FLOW_ACTIVATE ? 1 : (int)json_integer_value(json_object_get(done, "level")));
		s = json_dumps(st, JSON_INDENT(2));
		if (b == NULL || PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL) != 1 ||
		    (n = BIO_get_mem_data(b, &pem)) <= 0 ||
		    write_file(o->state, "device.pem", pem, (size_t)n) != 0 || s == NULL ||
		    write_file(o->state, "state.json", s, strlen(s)) != 0) {
			fprintf(stderr, "eid-app: done, but the app state could not be saved\n");
		} else {
			printf("%s, device %s (state in %s)\n",
			       f == FLOW_ACTIVATE  ? "activated: level 1"
			       : f == FLOW_RECOVER ? "recovered: level 1, new password and passcode"
			                           : "new device bound",
			       json_string_value(json_object_get(done, "device_id")), o->state);
			ret = 0;
		}
		free(s);
		BIO_free(b);
	}
out:
	json_decref(st);
	json_decref(done);
	json_decref(ans);
	json_decref(jwk);
	EVP_PKEY_free(pk);
	free(after);
	if (rc != NULL)
		redisFree(rc);
	return ret;
}

static char *read_file(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	buf = calloc(1, 65536);
	*len = buf ? fread(buf, 1, 65535, f) : 0;
	fclose(f);
	return buf;
}

/* A JWS by the device key (kid = device_id, ES256) over the claims `kv` (name, value, ...,
 * NULL), aud = url + path, and iat when `with_iat`. What the app signs: the login proof (the
 * challenge and the citizen), a CIBA decision, a QR decision (with the scan's nonce). */
static char *sign_device(const char *state, const char *url, const char *path,
                         const char *device_id, const char *const *kv, int with_iat)
{
	size_t n = 0;
	char *pem = read_file(state, "device.pem", &n), *out = NULL, aud[1100];
	jwt_t *jwt = NULL;
	int ok;

	snprintf(aud, sizeof(aud), "%s%s", url, path);
	ok = pem != NULL && jwt_new(&jwt) == 0 && jwt_add_grant(jwt, "aud", aud) == 0 &&
	     jwt_add_header(jwt, "kid", device_id) == 0 &&
	     (!with_iat || jwt_add_grant_int(jwt, "iat", (long)time(NULL)) == 0);
	for (size_t i = 0; ok && kv[i] != NULL; i += 2)
		ok = jwt_add_grant(jwt, kv[i], kv[i + 1]) == 0;
	if (ok && jwt_set_alg(jwt, JWT_ALG_ES256, (unsigned char *)pem, (int)n) == 0)
		out = jwt_encode_str(jwt);
	jwt_free(jwt);
	if (pem != NULL) {
		sec_wipe(pem, n);
		free(pem);
	}
	return out;
}

/* The open app session from state.json, or NULL with the reason printed. */
static const char *session_of(json_t *st)
{
	const char *s = json_string_value(json_object_get(st, "session"));

	if (s == NULL)
		fprintf(stderr, "eid-app: log in first (eid-app login --passcode PIN)\n");
	return s;
}

static int pending(const struct opts *o)
{
	json_t *st = load_state(o->state), *ans = NULL, *v;
	const char *url, *session;
	size_t i;
	int status, ret = 1;

	if (st == NULL)
		return 1;
	url = json_string_value(json_object_get(st, "url"));
	if ((session = session_of(st)) == NULL)
		goto out;
	status = tool_http_json("GET", endpoint(&(struct opts){ .url = url }, "/app/v1/ciba/pending"),
	                        NULL, session, 10, &ans);
	if (status != 200) {
		ret = refused("pending", status, ans);
		ans = NULL;
		goto out;
	}
	if (json_array_size(json_object_get(ans, "requests")) == 0)
		printf("nothing is waiting for your approval\n");
	json_array_foreach(json_object_get(ans, "requests"), i, v) {
		const char *bm = json_string_value(json_object_get(v, "binding_message"));

		printf("%s  %s asks to log you in (%s, %s)%s%s%s, %lld s left\n",
		       json_string_value(json_object_get(v, "id")),
		       json_string_value(json_object_get(v, "client_name")),
		       json_string_value(json_object_get(v, "scope")),
		       json_string_value(json_object_get(v, "acr_values")),
		       bm != NULL && bm[0] ? ": \"" : "", bm != NULL ? bm : "",
		       bm != NULL && bm[0] ? "\"" : "",
		       (long long)json_integer_value(json_object_get(v, "expires_in")));
	}
	ret = 0;
out:
	json_decref(ans);
	json_decref(st);
	return ret;
}

static int decide(const struct opts *o, const char *id, const char *decision)
{
	json_t *st = load_state(o->state), *ans = NULL, *body;
	const char *url, *session, *dev;
	char *sig = NULL;
	int status, ret = 1;

	if (st == NULL)
		return 1;
	url = json_string_value(json_object_get(st, "url"));
	dev = json_string_value(json_object_get(st, "device_id"));
	if ((session = session_of(st)) == NULL)
		goto out;
	const char *kv[] = { "id", id, "decision", decision, NULL };

	if ((sig = sign_device(o->state, url, "/app/v1/ciba/decide", dev, kv, 1)) == NULL) {
		fprintf(stderr, "eid-app: could not sign with the device key\n");
		goto out;
	}
	body = json_pack("{s:s, s:s, s:s}", "id", id, "decision", decision, "signature", sig);
	status = tool_http_json("POST", endpoint(&(struct opts){ .url = url }, "/app/v1/ciba/decide"),
	                        body, session, 10, &ans);
	json_decref(body);
	if (status != 200) {
		ret = refused(decision, status, ans);
		ans = NULL;
		goto out;
	}
	printf("%s\n", strcmp(decision, "approve") == 0 ? "approved" : "denied");
	ret = 0;
out:
	free(sig);
	json_decref(ans);
	json_decref(st);
	return ret;
}

static int save_state(const char *dir, json_t *st);

static int scan(const struct opts *o, const char *payload)
{
	json_t *st = load_state(o->state), *ans = NULL, *body;
	const char *url, *session;
	int status, ret = 1;

	if (st == NULL)
		return 1;
	url = json_string_value(json_object_get(st, "url"));
	if ((session = session_of(st)) == NULL)
		goto out;
	body = json_pack("{s:s}", "payload", payload);
	status = tool_http_json("POST", endpoint(&(struct opts){ .url = url }, "/app/v1/qr/scan"),
	                        body, session, 10, &ans);
	json_decref(body);
	if (status != 200) {
		ret = refused("scan", status, ans);
		ans = NULL;
		goto out;
	}
	json_object_set(st, "qr", ans);
	if (save_state(o->state, st) != 0)
		goto out;
	printf("%s asks to log you in\n  claims:  %s\n  level:   %s\n"
	       "  browser: started at %lld from %s\n  decide within %lld s: eid-app approve | deny\n",
	       json_string_value(json_object_get(ans, "client_name")),
	       json_string_value(json_object_get(ans, "scope")),
	       json_string_value(json_object_get(ans, "acr_values")),
	       (long long)json_integer_value(json_object_get(ans, "browser_started_at")),
	       json_string_value(json_object_get(ans, "browser_ip")),
	       (long long)json_integer_value(json_object_get(ans, "expires_in")));
	ret = 0;
out:
	json_decref(ans);
	json_decref(st);
	return ret;
}

static int qr_decide(const struct opts *o, const char *decision)
{
	json_t *st = load_state(o->state), *ans = NULL, *body, *qr;
	const char *url, *session, *dev, *qid, *nonce;
	char *sig = NULL;
	int status, ret = 1;

	if (st == NULL)
		return 1;
	url = json_string_value(json_object_get(st, "url"));
	dev = json_string_value(json_object_get(st, "device_id"));
	qr = json_object_get(st, "qr");
	qid = json_string_value(json_object_get(qr, "qid"));
	nonce = json_string_value(json_object_get(qr, "nonce"));
	if ((session = session_of(st)) == NULL)
		goto out;
	if (qid == NULL || nonce == NULL) {
		fprintf(stderr, "eid-app: scan a QR code first (eid-app scan PAYLOAD), or give the id of "
		                "a pending request\n");
		goto out;
	}
	const char *kv[] = { "qid", qid, "decision", decision, "nonce", nonce, NULL };

	if ((sig = sign_device(o->state, url, "/app/v1/qr/decide", dev, kv, 0)) == NULL) {
		fprintf(stderr, "eid-app: could not sign with the device key\n");
		goto out;
	}
	body = json_pack("{s:s, s:s, s:s}", "qid", qid, "decision", decision, "signature", sig);
	status = tool_http_json("POST", endpoint(&(struct opts){ .url = url }, "/app/v1/qr/decide"),
	                        body, session, 10, &ans);
	json_decref(body);
	if (status != 200) {
		ret = refused(decision, status, ans);
		ans = NULL;
		goto out;
	}
	json_object_del(st, "qr");
	save_state(o->state, st);
	printf("%s\n", strcmp(decision, "approve") == 0 ? "approved" : "denied");
	ret = 0;
out:
	free(sig);
	json_decref(ans);
	json_decref(st);
	return ret;
}

static int save_state(const char *dir, json_t *st)
{
	char *s = json_dumps(st, JSON_INDENT(2));
	int rc = s != NULL ? write_file(dir, "state.json", s, strlen(s)) : -1;

	free(s);
	return rc;
}

static int login(const struct opts *o)
{
	json_t *st = load_state(o->state), *body, *ans = NULL;
	const char *id, *dev, *url;
	char *sig = NULL;
	int status, ret = 1;

	if (st == NULL)
		return 1;
	if (o->passcode == NULL) {
		usage();
		json_decref(st);
		return 2;
	}
	id = json_string_value(json_object_get(st, "id_number"));
	dev = json_string_value(json_object_get(st, "device_id"));
	url = json_string_value(json_object_get(st, "url"));
	body = json_pack("{s:s}", "id_number", id);
	status = tool_http_json("POST", endpoint(&(struct opts){ .url = url }, "/app/v1/login/challenge"),
	                        body, NULL, 10, &ans);
	json_decref(body);
	if (status != 200) {
		ret = refused("login", status, ans);
		goto out;
	}
	{
		const char *kv[] = { "challenge", json_string_value(json_object_get(ans, "challenge")),
			             "id_number", id, NULL };

		sig = kv[1] != NULL ? sign_device(o->state, url, "/app/v1/login", dev, kv, 0) : NULL;
	}
	if (sig == NULL) {
		fprintf(stderr, "eid-app: cannot sign with the device key in %s\n", o->state);
		goto out;
	}
	body = json_pack("{s:s, s:s, s:O, s:s}", "id_number", id, "passcode", o->passcode,
	                 "challenge", json_object_get(ans, "challenge"), "signature", sig);
	json_decref(ans);
	ans = NULL;
	status = tool_http_json("POST", endpoint(&(struct opts){ .url = url }, "/app/v1/login"), body,
	                        NULL, 20, &ans);
	json_decref(body);
	if (status != 200) {
		long left = (long)json_integer_value(json_object_get(ans, "attempts_left"));
		long wait = (long)json_integer_value(json_object_get(ans, "retry_after"));

		ret = refused("login", status, json_incref(ans));
		if (left > 0)
			fprintf(stderr, "eid-app: %ld attempts left before the account locks\n", left);
		if (wait > 0)
			fprintf(stderr, "eid-app: locked for %ld more seconds\n", wait);
		goto out;
	}
	json_object_set(st, "session", json_object_get(ans, "session"));
	if (save_state(o->state, st) != 0)
		goto out;
	printf("logged in: app session for %ld s of inactivity\n",
	       (long)json_integer_value(json_object_get(ans, "expires_in")));
	ret = 0;
out:
	free(sig);
	json_decref(ans);
	json_decref(st);
	return ret;
}

/* The chip's files as base64url, read whole (at most 64 KiB). */
static char *file_b64url(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char buf[65536];
	size_t n;
	char *out;

	if (f == NULL) {
		fprintf(stderr, "eid-app: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if ((out = malloc(sec_b64url_len(n) + 1)) != NULL)
		sec_b64url_encode(buf, n, out);
	return out;
}

static int level2(const struct opts *o)
{
	json_t *st = load_state(o->state), *ans = NULL, *body;
	const char *url, *session;
	char *sod = NULL, *dg1 = NULL;
	int status, ret = 1;

	if (st == NULL)
		return 1;
	if (o->sod == NULL || o->dg1 == NULL) {
		usage();
		json_decref(st);
		return 2;
	}
	url = json_string_value(json_object_get(st, "url"));
	session = json_string_value(json_object_get(st, "session"));
	if (session == NULL) {
		fprintf(stderr, "eid-app: log in first (eid-app login --passcode PIN)\n");
		goto out;
	}
	if ((sod = file_b64url(o->sod)) == NULL || (dg1 = file_b64url(o->dg1)) == NULL)
		goto out;
	body = json_pack("{s:s, s:s}", "sod", sod, "dg1", dg1);
	status = tool_http_json("POST", endpoint(&(struct opts){ .url = url }, "/app/v1/level2/chip"),
	                        body, session, 20, &ans);
	json_decref(body);
	if (status != 200) {
		ret = refused("level 2", status, ans);
		ans = NULL;
		goto out;
	}
	json_object_set_new(st, "level", json_integer(2));
	if (save_state(o->state, st) != 0)
		goto out;
	printf("level 2: the chip card's data is authentic and matches the registry\n");
	ret = 0;
out:
	free(sod);
	free(dg1);
	json_decref(ans);
	json_decref(st);
	return ret;
}

static int otp(const struct opts *o)
{
	json_t *st = load_state(o->state);
	const char *secret = json_string_value(json_object_get(json_object_get(st, "totp"), "secret"));
	char *raw = NULL, out[7];
	size_t rawlen = 0;
	int ret = 1;

	if (secret == NULL)
		goto out;
	if (oath_init() != OATH_OK || oath_base32_decode(secret, strlen(secret), &raw, &rawlen) != OATH_OK ||
	    oath_totp_generate(raw, rawlen, time(NULL), 30, 0, 6, out) != OATH_OK) {
		fprintf(stderr, "eid-app: cannot compute the code\n");
		goto out;
	}
	printf("%s\n", out);
	ret = 0;
out:
	if (raw != NULL) {
		sec_wipe(raw, rawlen);
		free(raw);
	}
	json_decref(st);
	oath_done();
	return ret;
}

static int status_cmd(const struct opts *o)
{
	json_t *st = load_state(o->state);
	char masked[ACCT_ID_LEN + 1];
	const char *id;

	if (st == NULL)
		return 1;
	id = json_string_value(json_object_get(st, "id_number"));
	acct_id_mask(id ? id : "", masked);
	printf("citizen   %s\nlevel     %d\ndevice    %s\nserver    %s\n", masked,
	       (int)json_integer_value(json_object_get(st, "level")),
	       json_string_value(json_object_get(st, "device_id")),
	       json_string_value(json_object_get(st, "url")));
	if (json_is_string(json_object_get(st, "session"))) {
		json_t *me = NULL;
		const char *url = json_string_value(json_object_get(st, "url"));
		int code = tool_http_json("GET", endpoint(&(struct opts){ .url = url }, "/app/v1/me"),
		                          NULL, json_string_value(json_object_get(st, "session")), 10,
		                          &me);

		if (code == 200)
			printf("session   open (server: %s, level %d)\n",
			       json_string_value(json_object_get(me, "status")),
			       (int)json_integer_value(json_object_get(me, "level")));
		else
			printf("session   ended (eid-app login to open one)\n");
		json_decref(me);
	}
	json_decref(st);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "url", required_argument, NULL, 'u' },      { "state", required_argument, NULL, 's' },
		{ "dev-sms", no_argument, NULL, 'D' },         { "id", required_argument, NULL, 'i' },
		{ "phone", required_argument, NULL, 'p' },    { "name", required_argument, NULL, 'n' },
		{ "dob", required_argument, NULL, 'b' },      { "password", required_argument, NULL, 'w' },
		{ "passcode", required_argument, NULL, 'P' }, { "device-name", required_argument, NULL, 'd' },
		{ "code", required_argument, NULL, 'k' },     { "sod", required_argument, NULL, 'S' },
		{ "dg1", required_argument, NULL, 'G' },      { NULL, 0, NULL, 0 },
	};
	struct opts o = { .url = "http://127.0.0.1:8080", .state = "var/eid-app",
		          .conf = "config/authd.json" };
	int c;

	/* "+": stop at the command word. The arguments of approve, deny and
	 * scan are server-made identifiers that may begin with '-' (base64url),
	 * so they are never read as options; the other commands take options
	 * after the word too, so parsing resumes past it. */
	for (int pass = 0; pass < 2; pass++) {
		while ((c = getopt_long(argc, argv, "+c:", lo, NULL)) != -1) {
			switch (c) {
			case 'u': o.url = optarg; break;
			case 's': o.state = optarg; break;
			case 'c': o.conf = optarg; break;
			case 'D': o.dev_sms = 1; break;
			case 'i': o.id = optarg; break;
			case 'p': o.phone = optarg; break;
			case 'n': o.name = optarg; break;
			case 'b': o.dob = optarg; break;
			case 'w': o.password = optarg; break;
			case 'P': o.passcode = optarg; break;
			case 'd': o.device_name = optarg; break;
			case 'k': o.code = optarg; break;
			case 'S': o.sod = optarg; break;
			case 'G': o.dg1 = optarg; break;
			default: usage(); return 2;
			}
		}
		if (pass == 1 || optind + 1 >= argc || strcmp(argv[optind], "approve") == 0 ||
		    strcmp(argv[optind], "deny") == 0 || strcmp(argv[optind], "scan") == 0)
			break;
		char *cmd = argv[optind]; /* move the word to the end */

		memmove(&argv[optind], &argv[optind + 1], (size_t)(argc - optind - 1) * sizeof *argv);
		argv[argc - 1] = cmd;
	}
	if (optind == argc - 2 && (strcmp(argv[optind], "approve") == 0 ||
	                           strcmp(argv[optind], "deny") == 0))
		return decide(&o, argv[optind + 1], argv[optind]);
	if (optind == argc - 2 && strcmp(argv[optind], "scan") == 0)
		return scan(&o, argv[optind + 1]);
	if (optind == argc - 1 && (strcmp(argv[optind], "approve") == 0 ||
	                           strcmp(argv[optind], "deny") == 0))
		return qr_decide(&o, argv[optind]);
	if (optind != argc - 1) {
		usage();
		return 2;
	}
	if (strcmp(argv[optind], "pending") == 0)
		return pending(&o);
	if (strcmp(argv[optind], "activate") == 0)
		return run_flow(&o, FLOW_ACTIVATE);
	if (strcmp(argv[optind], "recover") == 0)
		return run_flow(&o, FLOW_RECOVER);
	if (strcmp(argv[optind], "rebind") == 0)
		return run_flow(&o, FLOW_REBIND);
	if (strcmp(argv[optind], "login") == 0)
		return login(&o);
	if (strcmp(argv[optind], "level2") == 0)
		return level2(&o);
	if (strcmp(argv[optind], "otp") == 0)
		return otp(&o);
	if (strcmp(argv[optind], "status") == 0)
		return status_cmd(&o);
	usage();
	return 2;
}
