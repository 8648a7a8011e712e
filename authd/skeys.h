/*
 * skeys.h — every Redis key authd and its tools spell, in one place. Keys of one citizen share
 * the hash tag {<12-digit ID number>} so they live in one Redis Cluster slot and one Lua script
 * may touch them all.
 *
 *   eid:{ID}:reg        hash    population-registry record (name, dob, sex, residence, phone, doc)
 *   eid:{ID}:acct       hash    the citizen's account (status, level, ...)
 *   eid:{ID}:act        hash    a pending activation (expires with its SMS code)
 *   eid:{ID}:rec        hash    a pending recovery (same shape)
 *   eid:{ID}:dev        hash    a pending new-device binding (same shape)
 *   eid:{ID}:sessions   set     the keys of the account's app sessions
 *   eid:{ID}:levels     list    level history: JSON {level, by, how, at}, oldest first
 *   eid:{ID}:as:<h>     string  an app session (h = SHA-256 of its token), sliding expiry
 *   eid:{ID}:chal:<h>   string  a used app-login challenge (h = SHA-256), until it expires
 *   eid:{ID}:rl:act     string  activation mismatches for this ID number (fixed window)
 *   eid:rl:ip:<ip>:act  string  activation mismatches from one client address (own slot)
 *   eid:rl:ip:<ip>:auth string  authentication failures from one client address (guard.c)
 *   eid:{ID}:sso:<h>    hash    an SSO (browser) session, h = SHA-256 of the cookie's secret
 *   eid:{ID}:ssos       set     the keys of the account's SSO sessions
 *   eid:{ID}:consent    hash    client_id → the scopes the citizen consented to
 *   eid:{ID}:code:<h>   hash    an authorization code (h = SHA-256 of its secret part)
 *   eid:{ID}:grant:<g>  hash    a grant (code redemption): its client, scope, session, refresh
 *   eid:{ID}:grants     set     the account's grant ids
 *   eid:{ID}:ciba:<r>   hash    a CIBA authentication request (rid r) for the app to decide
 *   eid:{ID}:cibas      zset    the account's pending CIBA rids, by expiry
 *   eid:qr:<qid>        hash    a QR login transaction (qr.c): its secret, browser, status, account
 *   eid:authz:<h>       string  a pending authorization request (h = SHA-256 of its id)
 *   eid:authz:<h>:sms   hash    the SMS code of that login, when one was asked for
 *   eid:par:<h>         string  a pushed authorization request (RFC 9126), h = SHA-256 of its id
 *   eid:jti:{<client>}:<h> string a client assertion's jti (h = SHA-256), until it expires
 *   eid:atrev:<jti>     string  a revoked access token, until it would have expired
 *   eid:sms:outbox      stream  the dev SMS sender's outbox (eid-app --dev-sms reads it)
 *   eid:audit           stream  the hash-chained audit log (audit.c)
 *   eid:audit:head      string  the hash of its last entry
 *   eid:bcl:q           zset    back-channel logout deliveries (JSON jobs) by due time, ms (bcl.c)
 *   eid:ev              channel pub/sub: the topic of a watched thing that changed (notify.c)
 *
 * Builders write into a caller buffer of at least SK_MAX bytes and return the length.
 */
#ifndef AUTHD_SKEYS_H
#define AUTHD_SKEYS_H

#include <stdio.h>

#define SK_MAX 256
#define SK_PREFIX "eid:"

static inline int sk_reg(char out[SK_MAX], const char *id)
{
	return snprintf(out, SK_MAX, SK_PREFIX "{%s}:reg", id);
}

static inline int sk_acct(char out[SK_MAX], const char *id)
{
	return snprintf(out, SK_MAX, SK_PREFIX "{%s}:acct", id);
}

static inline int sk_act(char out[SK_MAX], const char *id)
{
	return snprintf(out, SK_MAX, SK_PREFIX "{%s}:act", id);
}

static inline int sk_rec(char out[SK_MAX], const char *id)
{
	return snprintf(out, SK_MAX, SK_PREFIX "{%s}:rec", id);
}

static inline int sk_dev(char out[SK_MAX], const char *id)
{
	return snprintf(out, SK_MAX, SK_PREFIX "{%s}:dev", id);
}

static inline int sk_sessions(char out[SK_MAX], const char *id)
{
	return snprintf(out, SK_MAX, SK_PREFIX "{%s}:sessions", id);
}

static inline int sk_levels(char out[SK_MAX], const char *id)
{
	return snprintf(out, SK_MAX, SK_PREFIX "{%s}:levels", id);
}

static inline int sk_app_session(char out[SK_MAX], const char *id, const char *h)
{
	return snprintf(out, SK_MAX, SK_PREFIX "{%s}:as:%s", id, h);
}

static inline int sk_chal_used(char out[SK_MAX], const char *id, const char *h)
{
	return snprintf(out, SK_MAX, SK_PREFIX "{%s}:chal:%s", id, h);
}

static inline int sk_rl_act_id(char out[SK_MAX], const char *id)
{
	return snprintf(out, SK_MAX, SK_PREFIX "{%s}:rl:act", id);
}

static inline int sk_rl_act_ip(char out[SK_MAX], const char *ip)
{
	return snprintf(out, SK_MAX, SK_PREFIX "rl:ip:%s:act", ip);
}

static inline int sk_rl_auth_ip(char out[SK_MAX], const char *ip)
{
	return snprintf(out, SK_MAX, SK_PREFIX "rl:ip:%s:auth", ip);
}

static inline int sk_sso(char out[SK_MAX], const char *id, const char *h)
{
	return snprintf(out, SK_MAX, SK_PREFIX "{%s}:sso:%s", id, h);
}

static inline int sk_ssos(char out[SK_MAX], const char *id)
{
	return snprintf(out, SK_MAX, SK_PREFIX "{%s}:ssos", id);
}

static inline int sk_consent(char out[SK_MAX], const char *id)
{
	return snprintf(out, SK_MAX, SK_PREFIX "{%s}:consent", id);
}

static inline int sk_code(char out[SK_MAX], const char *id, const char *h)
{
	return snprintf(out, SK_MAX, SK_PREFIX "{%s}:code:%s", id, h);
}

static inline int sk_grant(char out[SK_MAX], const char *id, const char *gid)
{
	return snprintf(out, SK_MAX, SK_PREFIX "{%s}:grant:%s", id, gid);
}

static inline int sk_grants(char out[SK_MAX], const char *id)
{
	return snprintf(out, SK_MAX, SK_PREFIX "{%s}:grants", id);
}

static inline int sk_ciba(char out[SK_MAX], const char *id, const char *rid)
{
	return snprintf(out, SK_MAX, SK_PREFIX "{%s}:ciba:%s", id, rid);
}

static inline int sk_cibas(char out[SK_MAX], const char *id)
{
	return snprintf(out, SK_MAX, SK_PREFIX "{%s}:cibas", id);
}

static inline int sk_qr(char out[SK_MAX], const char *qid)
{
	return snprintf(out, SK_MAX, SK_PREFIX "qr:%s", qid);
}

/* The topic published on SK_EVENTS when a QR login changes (notify.c). */
static inline int sk_qr_topic(char out[SK_MAX], const char *qid)
{
	return snprintf(out, SK_MAX, "qr:%s", qid);
}

static inline int sk_authz(char out[SK_MAX], const char *h)
{
	return snprintf(out, SK_MAX, SK_PREFIX "authz:%s", h);
}

static inline int sk_authz_sms(char out[SK_MAX], const char *h)
{
	return snprintf(out, SK_MAX, SK_PREFIX "authz:%s:sms", h);
}

static inline int sk_par(char out[SK_MAX], const char *h)
{
	return snprintf(out, SK_MAX, SK_PREFIX "par:%s", h);
}

static inline int sk_assertion_jti(char out[SK_MAX], const char *client_id, const char *h)
{
	return snprintf(out, SK_MAX, SK_PREFIX "jti:{%s}:%s", client_id, h);
}

static inline int sk_at_revoked(char out[SK_MAX], const char *jti)
{
	return snprintf(out, SK_MAX, SK_PREFIX "atrev:%s", jti);
}

#define SK_SMS_OUTBOX SK_PREFIX "sms:outbox"
#define SK_AUDIT SK_PREFIX "audit"
#define SK_EVENTS SK_PREFIX "ev"
#define SK_BCL_QUEUE SK_PREFIX "bcl:q"
#define SK_AUDIT_HEAD SK_PREFIX "audit:head"

#endif
