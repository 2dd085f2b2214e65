/*
 * The control socket (doc/nsfleetd.md): a Unix stream socket on the main
 * thread's libuv loop.  One request line per connection, one reply (one
 * or more lines), then the server closes:
 *
 *   reload        -> "OK reloaded N zones" | "ERROR why"
 *   reload ZONE   -> the same for one zone
 *   reload --force [ZONE] -> the same past a primary's shrink guard
 *   status        -> "ZONE serial N" per zone ("ZONE not loaded: why")
 *
 * Requests run on the main thread, one at a time (reloads are its job).
 */
#ifndef NSF_SERVER_CTL_H
#define NSF_SERVER_CTL_H

#include <uv.h>

#include "server/daemon.h"

/* Listens at path (an old socket file there is replaced; any other file
 * is an error: -EEXIST).  Logged on failure. */
int ctl_start(daemon_t *d, uv_loop_t *loop, const char *path, ctl_t **out);

/* Closes the listener and every client (on the loop: run it afterwards
 * to finish) and removes the socket file. */
void ctl_stop(ctl_t *c);

#endif
