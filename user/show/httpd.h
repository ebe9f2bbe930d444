/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny HTTP/1.0 server for Prometheus scrapes: GET /metrics returns the
 * latest exposition. It runs inside the caller's event loop (its fds are
 * polled with the rest) and never blocks it for long.
 */
#ifndef VQMOD_HTTPD_H
#define VQMOD_HTTPD_H

#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>

#define HTTPD_MAX_CLIENTS  8
#define HTTPD_DEFAULT_ADDR "127.0.0.1"

struct httpd;

/*
 * Strict: "PORT", "IPV4:PORT" or "[IPV6]:PORT", with a numeric address and
 * a port from 1 to 65535. No port-less or host-name forms. Returns 0 or -1.
 */
int httpd_parse_addr(const char *arg, struct sockaddr_storage *ss, socklen_t *len);
/* Listens on addr; returns an enum vqmod_exit, with err set on failure. */
int httpd_open(struct httpd **out, const char *addr, char *err, size_t errlen);
void httpd_close(struct httpd *h);
/* What GET /metrics serves from now on; copied. Returns -ENOMEM on failure. */
int httpd_set_body(struct httpd *h, const char *text, size_t len);
/* Fills fds with what to poll (at most 1 + HTTPD_MAX_CLIENTS); returns how many. */
size_t httpd_pollfds(const struct httpd *h, struct pollfd *fds);
/* Serves what poll found ready on the fds httpd_pollfds gave. */
void httpd_handle(struct httpd *h, const struct pollfd *fds, size_t n);

#endif
