/*
 * The ceiling for authd's static endpoints: a bare evhttp server that answers every request with
 * the bytes of one file (no request context, no headers beyond Content-Type, no metrics). The
 * benchmark runs it beside authd so the cost of authd's own per-request work is visible.
 * usage: evhttp_floor PORT FILE
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>

static char body[65536];
static size_t body_len;

static void on_req(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	                  "application/json");
	evbuffer_add_reference(evhttp_request_get_output_buffer(req), body, body_len, NULL, NULL);
	evhttp_send_reply(req, 200, "OK", NULL);
}

int main(int argc, char **argv)
{
	struct event_base *base;
	struct evhttp *http;
	FILE *f;

	if (argc != 3 || (f = fopen(argv[2], "rb")) == NULL)
		return 2;
	body_len = fread(body, 1, sizeof(body), f);
	fclose(f);
	base = event_base_new();
	http = evhttp_new(base);
	evhttp_set_gencb(http, on_req, NULL);
	if (evhttp_bind_socket(http, "127.0.0.1", (unsigned short)atoi(argv[1])) != 0)
		return 1;
	event_base_dispatch(base);
	return 0;
}
