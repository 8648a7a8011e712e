/*
 * ep_admin.h — the admin API, /admin/v1 (docs/admin-api.md): an admin client's bearer token
 * (client_credentials, scope admin) and its registered role decide what it may do; every call,
 * refused ones included, is audited with the caller's client_id and, for changes, the reason.
 *
 * Owns: the role table, the HTTP shape of each call. Does not own: what revocation ends (the
 * Lua script admin_op.lua), logout tokens (bcl.c), the audit chain (audit.c).
 */
#ifndef AUTHD_EP_ADMIN_H
#define AUTHD_EP_ADMIN_H

#include "req.h"

enum step ep_admin_account(struct req *r);   /* GET  /admin/v1/account?id= */
enum step ep_admin_sessions(struct req *r);  /* GET  /admin/v1/sessions?id= */
enum step ep_admin_lock(struct req *r);      /* POST /admin/v1/account/lock */
enum step ep_admin_revoke(struct req *r);    /* POST /admin/v1/account/revoke */
enum step ep_admin_reinstate(struct req *r); /* POST /admin/v1/account/reinstate */
enum step ep_admin_level2(struct req *r);    /* POST /admin/v1/account/level2 */
enum step ep_admin_retire(struct req *r);    /* POST /admin/v1/device/retire */
enum step ep_admin_end(struct req *r);       /* POST /admin/v1/sessions/end */
enum step ep_admin_audit(struct req *r);     /* GET  /admin/v1/audit */

#endif
