/*
 * The control socket (doc/nsfleetd.md, "Control"): a Unix stream socket
 * on the main thread's libuv loop.  One request line per connection, one
 * reply, then the server closes.
 *
 * Requests:
 *   reload [--force] [ZONE]   reload zone files (all, or one)
 *   refresh ZONE              secondary: SOA query now, transfer if newer
 *   retransfer ZONE           secondary: full AXFR now, whatever the serial
 *   notify ZONE               send NOTIFY to the zone's notify: targets now
 *   status [ZONE]             one record per zone
 *
 * Reply: a first line "OK TEXT" or "ERROR TEXT" (TEXT for people), then
 * zero or more records, one per line, each a TAB-separated list of
 * key=value fields (values hold no TAB or newline).  `nsfleet ctl` turns
 * records into text or, with --json, into JSON (jansson is the CLI's:
 * the daemon has no JSON library, and one machine form on the socket
 * serves both).  status record keys: zone, role, serial ("" when not
 * loaded), loaded, error; for a secondary state, refreshing, last-refresh,
 * next-refresh, expire (seconds since the epoch, 0: never), last-error,
 * expired; then notify-targets, journal-from, journal-to (when the
 * journal holds changesets), journal-changesets.
 *
 * refresh and retransfer return at once (the transfer runs in the
 * background; status shows its outcome).  Requests run on the main
 * thread, one at a time (reloads are its job).
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
