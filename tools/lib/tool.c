/* tool.c — see tool.h. */
#include "tool.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "conf.h"

redisContext *tool_redis(const struct conf *c, const char *prog)
{
	struct timeval tv = { c->redis_connect_timeout_ms / 1000,
		              (c->redis_connect_timeout_ms % 1000) * 1000 };
	redisContext *rc = c->redis_socket != NULL
	                           ? redisConnectUnixWithTimeout(c->redis_socket, tv)
	                           : redisConnectWithTimeout(c->redis_host, (int)c->redis_port, tv);
	redisReply *rr = NULL;

	if (rc == NULL || rc->err) {
		fprintf(stderr, "%s: redis: %s\n", prog, rc ? rc->errstr : "out of memory");
		goto fail;
	}
	if (c->redis_password != NULL &&
	    ((rr = redisCommand(rc, "AUTH %s", c->redis_password)) == NULL ||
	     rr->type == REDIS_REPLY_ERROR)) {
		fprintf(stderr, "%s: redis: AUTH failed\n", prog);
		goto fail;
	}
	freeReplyObject(rr);
	rr = NULL;
	if (c->redis_db != 0 && ((rr = redisCommand(rc, "SELECT %d", (int)c->redis_db)) == NULL ||
	                         rr->type == REDIS_REPLY_ERROR)) {
		fprintf(stderr, "%s: redis: SELECT failed\n", prog);
		goto fail;
	}
	freeReplyObject(rr);
	return rc;
fail:
	freeReplyObject(rr);
	if (rc != NULL)
		redisFree(rc);
	return NULL;
}

struct answer {
	int status;
	json_t *json;
	struct event_base *base;
};

static void on_answer(struct evhttp_request *req, void *arg)
{
	struct answer *a = arg;

	if (req != NULL) {
		struct evbuffer *in = evhttp_request_get_input_buffer(req);
		size_t n = evbuffer_get_length(in);
		char *buf = malloc(n + 1);

		a->status = evhttp_request_get_response_code(req);
		if (buf != NULL) {
			evbuffer_copyout(in, buf, n);
			buf[n] = '\0';
			a->json = json_loadb(buf, n, 0, NULL);
			if (a->json != NULL && !json_is_object(a->json)) {
				json_decref(a->json);
				a->json = NULL;
			}
			free(buf);
		}
	}
	event_base_loopexit(a->base, NULL);
}

/* One request: body (len bytes of content type ctype) may be NULL. */
static int http_send(const char *method, const char *url, const char *ctype, const char *body,
                     size_t len, const char *bearer, int timeout_s, json_t **out)
{
	struct evhttp_uri *u = evhttp_uri_parse(url);
	struct answer a = { 0, NULL, NULL };
	struct evhttp_connection *con = NULL;
	struct evhttp_request *req;
	struct evkeyvalq *h;
	const char *host, *path, *query;
	char target[4096], hosthdr[300];
	int port;

	*out = NULL;
	if (u == NULL || (host = evhttp_uri_get_host(u)) == NULL) {
		if (u != NULL)
			evhttp_uri_free(u);
		return 0;
	}
	port = evhttp_uri_get_port(u) > 0 ? evhttp_uri_get_port(u) : 80;
	path = evhttp_uri_get_path(u);
	query = evhttp_uri_get_query(u);
	snprintf(target, sizeof(target), "%s%s%s", path && *path ? path : "/", query ? "?" : "",
	         query ? query : "");
	snprintf(hosthdr, sizeof(hosthdr), "%s:%d", host, port);
	if ((a.base = event_base_new()) == NULL ||
	    (con = evhttp_connection_base_new(a.base, NULL, host, (unsigned short)port)) == NULL ||
	    (req = evhttp_request_new(on_answer, &a)) == NULL)
		goto out;
	evhttp_connection_set_timeout(con, timeout_s);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", hosthdr);
	evhttp_add_header(h, "Accept", "application/json");
	if (bearer != NULL) {
		char auth[4096];

		snprintf(auth, sizeof(auth), "Bearer %s", bearer);
		evhttp_add_header(h, "Authorization", auth);
	}
	if (body != NULL) {
		evhttp_add_header(h, "Content-Type", ctype);
		evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	}
	/* the connection owns req; on failure libevent has freed it: the status stays 0 */
	if (evhttp_make_request(con, req,
	                        strcmp(method, "POST") == 0 ? EVHTTP_REQ_POST : EVHTTP_REQ_GET,
	                        target) == 0)
		event_base_dispatch(a.base);
out:
	if (con != NULL)
		evhttp_connection_free(con);
	if (a.base != NULL)
		event_base_free(a.base);
	evhttp_uri_free(u);
	*out = a.json;
	return a.status;
}

int tool_http_json(const char *method, const char *url, json_t *body, const char *bearer,
                   int timeout_s, json_t **out)
{
	char *s = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	int status;

	if (body != NULL && s == NULL) {
		*out = NULL;
		return 0;
	}
	status = http_send(method, url, "application/json", s, s != NULL ? strlen(s) : 0, bearer,
	                   timeout_s, out);
	free(s);
	return status;
}

int tool_http_form(const char *url, const char *form, const char *bearer, int timeout_s,
                   json_t **out)
{
	return http_send("POST", url, "application/x-www-form-urlencoded", form, strlen(form),
	                 bearer, timeout_s, out);
}

char *tool_urlencode(const char *s)
{
	return evhttp_uriencode(s, -1, 0);
}
