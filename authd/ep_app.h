/*
 * ep_app.h — the citizen app's API, /app/v1/...: activation (start → SMS code → verify →
 * complete); recovery (registry details + SMS → new secrets and device, level 1); new device
 * (password + SMS → new device key); login (challenge → passcode + device signature → app
 * session); /me. Requests and replies are JSON; errors are {"error", "error_description"} with a 4xx.
 *
 * Each step is rate-limited and logged; decisions are made by accounts.c (pure functions) and
 * written by one Lua script each, which re-checks the state it changes.
 */
#ifndef AUTHD_EP_APP_H
#define AUTHD_EP_APP_H

#include <jansson.h>

#include "accounts.h"
#include "keys.h"
#include "req.h"
#include "skeys.h"

enum step ep_app_activation_start(struct req *r);
enum step ep_app_activation_verify(struct req *r);
enum step ep_app_activation_complete(struct req *r);
enum step ep_app_recovery_start(struct req *r);
enum step ep_app_recovery_verify(struct req *r);
enum step ep_app_recovery_complete(struct req *r);
enum step ep_app_device_start(struct req *r);
enum step ep_app_device_verify(struct req *r);
enum step ep_app_device_complete(struct req *r);
enum step ep_app_login_challenge(struct req *r);
enum step ep_app_login(struct req *r);
enum step ep_app_me(struct req *r);
enum step ep_app_level2_chip(struct req *r);

/* For the other app endpoints (ep_ciba.c):
 * the app session presented as "Authorization: Bearer <ID>.<random>": the citizen's ID number
 * and the session's Redis key (then load it with app_session.lua). 0, or -1 with 401
 * invalid_token and WWW-Authenticate set. */
int ep_app_bearer(struct req *r, char id[ACCT_ID_LEN + 1], char k_sess[SK_MAX]);

/* The app session a request presents (Authorization: Bearer), loaded with app_session.lua:
 * ep_app_session_begin reads the bearer and sends the script, then `next` calls
 * ep_app_session_ok, which fills level and device_id (1), or sets 503/401 (0). */
struct app_sess {
	char id[ACCT_ID_LEN + 1], masked[ACCT_ID_LEN + 1];
	char k_sess[SK_MAX], k_acct[SK_MAX];
	char device_id[KEYS_KID_SIZE], level[8];
};
enum step ep_app_session_begin(struct req *r, struct app_sess *s, step_fn next);
int ep_app_session_ok(struct req *r, struct app_sess *s);

/* Verifies a JWS by the account's bound device key (its JWK text as stored, ES256 pinned by the
 * key, kid = device_id). 0 and the payload (a new reference), or -1. */
int ep_app_device_jws(struct req *r, const char *jwk_text, const char *device_id,
                      const char *jws, json_t **payload);

#endif
