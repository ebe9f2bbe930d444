// SPDX-License-Identifier: GPL-2.0
/* HTTP/1.0 for scrapes: one request per connection, then close. */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/time.h>
#include "core/errors.h"
#include "httpd.h"

#define REQ_MAX		  4096
#define CLIENT_TIMEOUT_NS 5000000000ULL /* a client that says nothing is dropped */

struct client {
	int fd; /* -1: free slot */
	unsigned long long since_ns;
	size_t len;
	char req[REQ_MAX];
};

struct httpd {
	int fd;
	char *body;
	size_t body_len;
	struct client c[HTTPD_MAX_CLIENTS];
};

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int parse_port(const char *s, in_port_t *port)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 5)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (v < 1 || v > 65535 || (s[0] == '0'))
		return -1;
	*port = htons(v);
	return 0;
}

int httpd_parse_addr(const char *arg, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(arg, ':');
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	size_t hlen;

	memset(ss, 0, sizeof(*ss));
	if (!colon) { /* a bare port: loopback */
		in4->sin_family = AF_INET;
		*len = sizeof(*in4);
		inet_pton(AF_INET, HTTPD_DEFAULT_ADDR, &in4->sin_addr);
		return parse_port(arg, &in4->sin_port);
	}
	hlen = colon - arg;
	if (!hlen || hlen >= sizeof(host))
		return -1;
	memcpy(host, arg, hlen);
	host[hlen] = 0;
	if (host[0] == '[') {
		if (hlen < 3 || host[hlen - 1] != ']')
			return -1;
		host[hlen - 1] = 0;
		in6->sin6_family = AF_INET6;
		*len = sizeof(*in6);
		if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1)
			return -1;
		return parse_port(colon + 1, &in6->sin6_port);
	}
	in4->sin_family = AF_INET;
	*len = sizeof(*in4);
	/* inet_pton takes only the four-part dotted form: no "1", no hex */
	if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
		return -1;
	return parse_port(colon + 1, &in4->sin_port);
}

int httpd_open(struct httpd **out, const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct httpd *h;
	int one = 1;

	*out = NULL;
	if (httpd_parse_addr(addr, &ss, &len)) {
		snprintf(err, errlen, "invalid address '%s': give PORT, IPV4:PORT or [IPV6]:PORT", addr);
		return EXIT_USAGE;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return EXIT_RUNTIME;
	}
	for (int i = 0; i < HTTPD_MAX_CLIENTS; i++)
		h->c[i].fd = -1;
	h->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->fd < 0 || setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(h->fd, (struct sockaddr *)&ss, len) || listen(h->fd, 16)) {
		snprintf(err, errlen, "cannot listen on %s: %s", addr, strerror(errno));
		httpd_close(h);
		return EXIT_RUNTIME;
	}
	*out = h;
	return EXIT_OK;
}

static void drop(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
}

void httpd_close(struct httpd *h)
{
	if (!h)
		return;
	for (int i = 0; i < HTTPD_MAX_CLIENTS; i++)
		drop(&h->c[i]);
	if (h->fd >= 0)
		close(h->fd);
	free(h->body);
	free(h);
}

int httpd_set_body(struct httpd *h, const char *text, size_t len)
{
	char *copy = malloc(len + 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	free(h->body);
	h->body = copy;
	h->body_len = len;
	return 0;
}

size_t httpd_pollfds(const struct httpd *h, struct pollfd *fds)
{
	size_t n = 0;

	fds[n++] = (struct pollfd){.fd = h->fd, .events = POLLIN};
	for (int i = 0; i < HTTPD_MAX_CLIENTS; i++)
		fds[n++] = (struct pollfd){.fd = h->c[i].fd, .events = POLLIN};
	return n;
}

static void send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= n;
	}
}

static void respond(struct client *c, const char *status, const char *type, const char *extra, const char *body,
		    size_t len, int head)
{
	char hdr[512];
	int n = snprintf(hdr, sizeof(hdr),
			 "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n",
			 status, type, len, extra);

	send_all(c->fd, hdr, n);
	if (!head)
		send_all(c->fd, body, len);
	drop(c);
}

#define TEXT	   "text/plain; charset=utf-8"
#define EXPOSITION "text/plain; version=0.0.4; charset=utf-8"

/* The request line is enough: "METHOD PATH HTTP/x.y"; headers are ignored. */
static void serve(struct httpd *h, struct client *c)
{
	static const char index_body[] = "vqmod exporter: metrics at /metrics\n";
	char method[8], path[256], version[16], tail;
	char *eol = memchr(c->req, '\n', c->len);
	int head;

	*eol = 0;
	if (eol > c->req && eol[-1] == '\r')
		eol[-1] = 0;
	if (sscanf(c->req, "%7s %255s %15s%c", method, path, version, &tail) != 3 || strncmp(version, "HTTP/1.", 7)) {
		respond(c, "400 Bad Request", TEXT, "", "bad request\n", 12, 0);
		return;
	}
	head = !strcmp(method, "HEAD");
	if (!head && strcmp(method, "GET")) {
		respond(c, "405 Method Not Allowed", TEXT, "Allow: GET, HEAD\r\n", "method not allowed\n", 19, 0);
		return;
	}
	if (!strcmp(path, "/metrics"))
		respond(c, "200 OK", EXPOSITION, "", h->body ?: "", h->body ? h->body_len : 0, head);
	else if (!strcmp(path, "/"))
		respond(c, "200 OK", TEXT, "", index_body, sizeof(index_body) - 1, head);
	else
		respond(c, "404 Not Found", TEXT, "", "not found\n", 10, head);
}

static void accept_one(struct httpd *h)
{
	struct timeval tv = {.tv_sec = 1};
	struct client *slot = NULL;
	int fd = accept4(h->fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < HTTPD_MAX_CLIENTS; i++) {
		struct client *c = &h->c[i];

		if (c->fd < 0) {
			slot = c;
			break;
		}
		if (!slot || c->since_ns < slot->since_ns)
			slot = c;
	}
	drop(slot); /* full: the oldest makes room */
	/* replies are small, but a stalled reader must not hold the loop */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	slot->fd = fd;
	slot->since_ns = now_ns();
	slot->len = 0;
}

static void read_request(struct httpd *h, struct client *c)
{
	ssize_t n = recv(c->fd, c->req + c->len, sizeof(c->req) - 1 - c->len, 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		drop(c);
		return;
	}
	c->len += n;
	c->req[c->len] = 0;
	/* HTTP/1.0 ends the headers with an empty line */
	if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n"))
		serve(h, c);
	else if (c->len == sizeof(c->req) - 1)
		respond(c, "431 Request Header Fields Too Large", TEXT, "", "too large\n", 10, 0);
}

void httpd_handle(struct httpd *h, const struct pollfd *fds, size_t n)
{
	unsigned long long now = now_ns();

	for (size_t i = 1; i < n && i <= HTTPD_MAX_CLIENTS; i++) {
		struct client *c = &h->c[i - 1];

		if (c->fd < 0 || c->fd != fds[i].fd)
			continue;
		if (fds[i].revents)
			read_request(h, c);
		else if (now - c->since_ns > CLIENT_TIMEOUT_NS)
			drop(c);
	}
	if (n && fds[0].revents & POLLIN)
		accept_one(h);
}
