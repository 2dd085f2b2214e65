/*
 * The lab's plan: which nodes, their namespaces, links and addresses.
 *
 *      nsfl-NAME-hub: bridge nsfl-br, 10.53.0.1/24
 *        |  nsfl-h0 ... nsfl-hN  (veth, hub side, enslaved to the bridge)
 *        |
 *        +-- nsfl-NAME-root      nsfl-e0 10.53.0.2   nsfleetd, zone .
 *        +-- nsfl-NAME-parent    nsfl-e0 10.53.0.3   nsfleetd, zone PARENT
 *        +-- nsfl-NAME-resolver  nsfl-e0 10.53.0.4   unbound
 *        +-- nsfl-NAME-primary   nsfl-e0 10.53.0.10  nsfleetd, hidden primary of ZONE
 *        +-- nsfl-NAME-SEC       nsfl-e0 10.53.0.11+ secondaries of ZONE
 *
 * Every address lives inside the lab's namespaces; the host's own
 * namespace gets nothing.  Without namespaces the same host numbers are
 * taken in 127.53.0.0/24 (loopback) with free ports chosen at start, but
 * 127.0.0.1 for BIND (it listens only on an interface's address) and for
 * the primary (the source of its NOTIFYs).
 */
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "tools/lab.h"

enum {
	HOST_BRIDGE = 1,
	HOST_ROOT = 2,
	HOST_PARENT = 3,
	HOST_RESOLVER = 4,
	HOST_PRIMARY = 10,
	HOST_SEC = 11
};
_Static_assert(HOST_SEC + LAB_MAX_SECONDARIES < 255, "secondaries fit the /24");

void lab_ns_prefix(const char *name, char *out, size_t cap)
{
	snprintf(out, cap, LAB_PREFIX "%s-", name);
}

static void addr_text(uint32_t net, unsigned host, char *out)
{
	uint32_t a = net | host;
	snprintf(out, LAB_ADDR_MAX, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
	         a & 0xff);
}

static void scopy(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);
	memmove(dst, src, n);
	dst[n] = '\0';
}

static void add_node(lab_t *lab, const char *name, lab_role_t role, lab_sw_t sw, unsigned host,
                     uint32_t net, const char *zone)
{
	lab_node_t *n = &lab->node[lab->n];
	memset(n, 0, sizeof(*n));
	scopy(n->name, sizeof(n->name), name);
	n->role = role;
	n->sw = sw;
	addr_text(net, host, n->addr);
	scopy(n->zone, sizeof(n->zone), zone);
	if (!lab->netns && (sw == LAB_SW_BIND || role == LAB_ROLE_PRIMARY)) {
		/* BIND listens only on the addresses of an interface: of lo,
		 * 127.0.0.1 (its port tells it apart).  The primary too: its
		 * NOTIFYs leave from 127.0.0.1, and PowerDNS accepts a NOTIFY
		 * only from its primary's address. */
		scopy(n->addr, sizeof(n->addr), "127.0.0.1");
	}
	if (lab->netns) {
		char ns[LAB_NETNS_MAX + 32];
		snprintf(ns, sizeof(ns), LAB_PREFIX "%s-%s", lab->name, name);
		scopy(n->netns, sizeof(n->netns), ns);
		snprintf(n->link, sizeof(n->link), LAB_PREFIX "h%zu", lab->n);
		n->port = 53;
	}
	lab->n++;
}

int lab_plan(const lab_conf_t *c, bool netns, const bool *skip, bool has_resolver, lab_t *lab)
{
	char dir[LAB_PATH_MAX];
	memcpy(dir, lab->dir, sizeof(dir)); /* the caller may have set it */
	memset(lab, 0, sizeof(*lab));
	memcpy(lab->dir, dir, sizeof(dir));
	if (c->nsec > LAB_MAX_SECONDARIES)
		return ERR_LIMIT;
	snprintf(lab->name, sizeof(lab->name), "%s", c->name);
	snprintf(lab->zone, sizeof(lab->zone), "%s", c->zone);
	snprintf(lab->parent, sizeof(lab->parent), "%s", c->parent);
	lab->serial = c->serial;
	lab->refresh = c->refresh;
	lab->retry = c->retry;
	lab->expire = c->expire;
	lab->netns = netns;
	uint32_t net = netns ? c->subnet : 0x7f350000; /* 127.53.0.0 */
	if (netns) {
		snprintf(lab->hub, sizeof(lab->hub), LAB_PREFIX "%s-hub", c->name);
		addr_text(net, HOST_BRIDGE, lab->hub_addr);
	}
	add_node(lab, "root", LAB_ROLE_ROOT, LAB_SW_NSFLEETD, HOST_ROOT, net, ".");
	add_node(lab, "parent", LAB_ROLE_PARENT, LAB_SW_NSFLEETD, HOST_PARENT, net, c->parent);
	if (has_resolver)
		add_node(lab, "resolver", LAB_ROLE_RESOLVER, LAB_SW_UNBOUND, HOST_RESOLVER, net,
		         c->zone);
	add_node(lab, "primary", LAB_ROLE_PRIMARY, LAB_SW_NSFLEETD, HOST_PRIMARY, net, c->zone);
	for (size_t i = 0; i < c->nsec; i++) {
		if (skip != NULL && skip[i])
			continue;
		add_node(lab, c->sec[i].name, LAB_ROLE_SECONDARY, c->sec[i].sw,
		         HOST_SEC + (unsigned)i, net, c->zone);
	}
	return 0;
}
