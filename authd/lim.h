/*
 * lim.h — every size and count limit in one place. Config may lower the HTTP ones
 * (limits.* in authd.json); these are the defaults and the hard caps.
 */
#ifndef AUTHD_LIM_H
#define AUTHD_LIM_H

/* Files read at start or reload. */
#define LIM_CONF_FILE (256 * 1024)   /* authd.json, keys.json, one client registration */
#define LIM_PEM_FILE (64 * 1024)     /* one PEM key */
#define LIM_CLIENTS 4096             /* registrations in clients/ */
#define LIM_KEYS 16                  /* signing keys in keys/keys.json */
#define LIM_PATH 1024                /* a file path from config */

/* Registrations. */
#define LIM_CLIENT_ID 128
#define LIM_CLIENT_NAME 200
#define LIM_URI 2048                 /* redirect URIs, issuer, logout URIs */
#define LIM_REDIRECTS 32             /* redirect URIs per client */
#define LIM_SCOPES 32                /* scopes per client */
#define LIM_SCOPE 64                 /* one scope name */
#define LIM_JWKS_KEYS 8              /* keys in a client's inline JWKS */

/* HTTP (defaults; authd.json limits.* may change them within these caps). */
#define LIM_HTTP_HEADERS_DEF 8192
#define LIM_HTTP_HEADERS_MAX 65536
#define LIM_HTTP_BODY_DEF 65536
#define LIM_HTTP_BODY_MAX (1024 * 1024)
#define LIM_HTTP_TIMEOUT_DEF 10      /* seconds: read/write timeout per connection */
#define LIM_REQ_ID 64                /* an incoming X-Request-Id longer than this is replaced */
#define LIM_XFF 1024                 /* X-Forwarded-For longer than this is ignored */
#define LIM_TRUSTED_PROXIES 32

/* Outbound HTTP (fetch.c): what is read of an answer. */
#define LIM_FETCH_HEADERS (8 * 1024)  /* status line and headers; past it the call fails */
#define LIM_FETCH_BODY (4 * 1024)     /* body bytes read at most (the status is the answer) */

/* Per-request memory: first block embedded in struct req, then blocks up to the cap. The first
 * block holds a whole parked QR long-poll (about 2.7 KiB: its query, cookie, Redis reply, waiter
 * and events), which would otherwise hold a 16 KiB heap block while it waits. */
#define LIM_ARENA_FIRST 4096
#define LIM_ARENA_BLOCK (16 * 1024)
#define LIM_REQ_MEMORY (256 * 1024)

/* JWS. */
#define LIM_JWS (16 * 1024)          /* a compact JWS we will parse */

/* Keys and JOSE (appended by keys.c / jws.c). */
#define LIM_RSA_BITS 8192            /* largest RSA modulus loaded from keys/ or a client JWK */
#define LIM_KID 47                   /* a JWK "kid" (ours are 43: base64url SHA-256) */
#define LIM_JWS_TYP 32               /* a JWS "typ" we sign ("JWT", "at+jwt", "logout+jwt") */

/* Accounts. */
#define LIM_FDS 1048576              /* the descriptor limit authd raises itself to, at most */
#define LIM_NOTIFY_WAITERS 65536     /* parked long-polls per worker (notify.c); past it, 503 */
#define LIM_APP_SESSIONS 16          /* live app sessions per account; a login past it ends others */

/* Registrations (appended by clients.c). */
#define LIM_HOST 253                 /* a host name (RFC 1035), e.g. sector_identifier */
#define LIM_SCOPE_STR (LIM_SCOPES * (LIM_SCOPE + 1)) /* a space-separated scope string */

#endif
