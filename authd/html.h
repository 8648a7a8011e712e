/*
 * html.h — the few pages authd shows citizens: the login form, the consent page and the error
 * page, in Vietnamese and English, usable on a phone screen and without JavaScript. Pure
 * rendering into arena memory; every value from a request or a registration is HTML-escaped.
 * Pages are served with a strict Content-Security-Policy (http.c, RESP_HTML): inline styles
 * only, no scripts.
 *
 * Does not own: what the forms do (ep_authorize.c), the messages' conditions.
 */
#ifndef AUTHD_HTML_H
#define AUTHD_HTML_H

#include "arena.h"

/* Message keys shown on the login page. */
enum html_msg {
	HTML_MSG_NONE = 0,
	HTML_MSG_BAD_LOGIN,      /* ID number, password or code wrong (never which) */
	HTML_MSG_LOCKED,         /* too many failures: try later */
	HTML_MSG_REVOKED,        /* the account is revoked: go to the police office */
	HTML_MSG_SMS_SENT,       /* a code was sent to the phone on file */
	HTML_MSG_NEED_OTP,       /* the code field is empty */
	HTML_MSG_RATE_LIMITED,   /* too many failures from this network */
	HTML_MSG_UNAVAILABLE,    /* try again in a moment */
	HTML_MSG_NEEDS_APP,      /* level 2 asked: only the app's confirmation will do */
};

struct html_login {
	const char *locale;       /* "vi" or "en" */
	const char *tid, *csrf;   /* hidden fields */
	const char *client_name;
	const char *id_number;    /* prefill, or NULL */
	enum html_msg msg;
	const char *phone;        /* masked phone for HTML_MSG_SMS_SENT */
	const char *qid;          /* the QR login transaction shown beside the form, or NULL */
	const char *nonce;        /* the CSP nonce of its script */
	int qr_only;              /* level 2 asked: the QR code only, no password form */
	int dev_payload;          /* show the QR payload as text (development only) */
};

char *html_login(struct arena *a, const struct html_login *p);

/* The consent page: the RP's name and the claims it will receive (scope bits). */
char *html_consent(struct arena *a, const char *locale, const char *tid, const char *csrf,
                   const char *client_name, unsigned scopes);

/* An error page that does not redirect: a title and a sentence (escaped). */
char *html_error(struct arena *a, const char *locale, const char *title, const char *detail);

/* RP-initiated logout: a confirmation form (hidden fields carried through), or, with
 * done != 0, the page saying the citizen is logged out. */
char *html_logout(struct arena *a, const char *locale, int done, const char *csrf,
                  const char *client_id, const char *post_logout_redirect_uri, const char *state);

/* s with & < > " ' escaped, in arena memory (NULL → ""). */
char *html_esc(struct arena *a, const char *s);

#endif
