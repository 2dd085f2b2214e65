/*
 * The configuration schema: every option once, with its type, range,
 * default and help (STYLE rule 10).  The parser (conf.c), the checks and
 * doc/config.md (conf_dump_reference) all come from this table; a unit
 * test fails when doc/config.md differs from conf_dump_reference.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "server/conf_int.h"

static const char *const ALGORITHMS[] = {"hmac-md5",    "hmac-sha1",   "hmac-sha224", "hmac-sha256",
                                         "hmac-sha384", "hmac-sha512", NULL};
static const char *const ROLES[] = {"primary", "secondary", NULL};
static const char *const SERIAL_POLICIES[] = {"keep", "increment", "unixtime", "dateserial", NULL};
static const char *const ACTIONS[] = {"transfer", "notify", "update", NULL};

_Static_assert(sizeof(conf_algorithm_t) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(conf_role_t) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(conf_serial_policy_t) == sizeof(int), "enums are stored as int");

#define S(f) offsetof(conf_server_t, f)
static const conf_opt_t SERVER[] = {
    {"listen", CT_ADDR, CO_LIST, 53, 0, NULL, 0, NULL, "none", S(listen), 0,
     "Addresses to answer on, UDP and TCP: `ADDR@PORT` or `ADDR` (port 53). IPv6 without "
     "brackets: `::1@5300`."},
    {"udp-workers", CT_INT, 0, 1, 256, NULL, 0, NULL, "number of CPUs", S(udp_workers), 0,
     "UDP worker threads, each with its own SO_REUSEPORT socket per address."},
    {"tcp-workers", CT_INT, 0, 1, 256, NULL, 0, NULL, "number of CPUs", S(tcp_workers), 0,
     "TCP worker threads."},
    {"storage", CT_STR, 0, 1, 4095, NULL, 0, CONF_DEFAULT_STORAGE, NULL, S(storage), 0,
     "Directory of zone files (relative `file` values), journal, timers and keys."},
    {"control", CT_STR, 0, 1, 107, NULL, 0, NULL, "none", S(control), 0,
     "Path of the control socket (`nsfleet ctl`)."},
    {"metrics", CT_ADDR, 0, 9153, 0, NULL, 0, NULL, "none", S(metrics), 0,
     "Prometheus `/metrics` and status page: `ADDR@PORT` or `ADDR` (port 9153)."},
    {"identity", CT_STR, 0, 1, 255, NULL, 0, NULL, "none", S(identity), 0,
     "Server identity, sent as NSID and in CH TXT `id.server`; without it those are "
     "refused."},
    {"version", CT_VERSION, 0, 0, 255, NULL, 0, "nsfleet " NSF_VERSION, "`nsfleet <version>`",
     S(version), 0, "Answer to CH TXT `version.bind`; `false` or `\"\"` refuses the query."},
    {"udp-max-payload", CT_INT, 0, 512, 4096, NULL, 0, "1232", NULL, S(udp_max_payload), 0,
     "Largest UDP answer with EDNS, in octets."},
    {"tcp-idle-timeout", CT_INT, 0, 1, 3600, NULL, 0, "10", NULL, S(tcp_idle_timeout), 0,
     "Seconds a TCP connection may stay idle before it is closed."},
    {"tcp-max-clients", CT_INT, 0, 1, 1000000, NULL, 0, "1000", NULL, S(tcp_max_clients), 0,
     "Most TCP connections open at once."},
    {"xfr-timeout", CT_INT, 0, 1, 3600, NULL, 0, "30", NULL, S(xfr_timeout), 0,
     "Seconds an incoming transfer (or SOA query) may stay silent before it is abandoned."},
};
#undef S

#define K(f) offsetof(conf_key_t, f)
static const conf_opt_t KEY[] = {
    {"id", CT_STR, CO_ID | CO_REQUIRED, 1, 255, NULL, 0, NULL, NULL, K(id), 0,
     "The key's name, a DNS name (the TSIG key name; `xfr` means `xfr.`)."},
    {"algorithm", CT_ENUM, CO_REQUIRED, 0, 0, ALGORITHMS, 0, NULL, NULL, K(algorithm), 0,
     "The TSIG algorithm."},
    {"secret", CT_B64, CO_REQUIRED | CO_SECRET, 1, 0, NULL, 0, NULL, NULL, K(secret), K(secret_len),
     "The shared secret in base64 (`nsfleet tsig-keygen` makes one)."},
};
#undef K

#define R(f) offsetof(conf_remote_t, f)
static const conf_opt_t REMOTE[] = {
    {"id", CT_STR, CO_ID | CO_REQUIRED, 1, 255, NULL, 0, NULL, NULL, R(id), 0,
     "The remote's name, used by `zone.primaries` and `zone.notify`."},
    {"address", CT_ADDR, CO_LIST | CO_REQUIRED, 53, 0, NULL, 0, NULL, NULL, R(address), 0,
     "Its addresses, `ADDR@PORT` or `ADDR` (port 53), tried in order."},
    {"key", CT_REF, 0, 0, 0, NULL, CS_KEY, NULL, "none", R(key), 0,
     "The key (a `key.id`) that signs transfers, notifies and SOA queries to it."},
};
#undef R

#define A(f) offsetof(conf_acl_t, f)
static const conf_opt_t ACL[] = {
    {"id", CT_STR, CO_ID | CO_REQUIRED, 1, 255, NULL, 0, NULL, NULL, A(id), 0,
     "The rule's name, used by `zone.acl`."},
    {"address", CT_PREFIX, CO_LIST, 0, 0, NULL, 0, NULL, "any", A(address), 0,
     "Client addresses allowed: CIDR prefixes (`192.0.2.0/24`, `2001:db8::/32`) or single "
     "addresses."},
    {"key", CT_REF, 0, 0, 0, NULL, CS_KEY, NULL, "none", A(key), 0,
     "When set, requests must also be signed with this key (a `key.id`)."},
    {"action", CT_FLAGS, CO_REQUIRED, 0, 0, ACTIONS, 0, NULL, NULL, A(actions), 0,
     "What the rule allows."},
};
#undef A

#define Z(f) offsetof(conf_zone_t, f)
static const conf_opt_t ZONE[] = {
    {"domain", CT_NAME, CO_ID | CO_REQUIRED, 0, 0, NULL, 0, NULL, NULL, Z(domain), Z(domain_text),
     "The zone's origin (`example.com` and `example.com.` are the same)."},
    {"role", CT_ENUM, 0, 0, 0, ROLES, 0, "primary", NULL, Z(role), 0,
     "`primary`: loaded from `file`; `secondary`: transferred from `primaries`."},
    {"file", CT_STR, 0, 1, 4095, NULL, 0, NULL, "`<domain>.zone` (`root.zone` for the root)",
     Z(file), 0, "The zone file, relative to `server.storage` unless absolute."},
    {"primaries", CT_REF, CO_LIST, 0, 0, NULL, CS_REMOTE, NULL, "none", Z(primaries), 0,
     "Remotes to transfer the zone from; required for a secondary."},
    {"notify", CT_REF, CO_LIST, 0, 0, NULL, CS_REMOTE, NULL, "none", Z(notify), 0,
     "Remotes sent a NOTIFY when the zone changes."},
    {"acl", CT_REF, CO_LIST, 0, 0, NULL, CS_ACL, NULL, "none (nothing allowed)", Z(acl), 0,
     "Access rules (`acl.id`) for transfers, notifies and updates of this zone."},
    {"serial-policy", CT_ENUM, 0, 0, 0, SERIAL_POLICIES, 0, "increment", NULL, Z(serial_policy), 0,
     "How the SOA serial changes when the server changes the zone (update, signing)."},
    {"notify-ns", CT_BOOL, 0, 0, 0, NULL, 0, "true", NULL, Z(notify_ns), 0,
     "Besides its notify: remotes, a zone (a primary after a change, a secondary after a "
     "transfer, as BIND's notify yes) NOTIFYs, at port 53 and unsigned, every address the "
     "zone itself gives its NS names (in-zone A/AAAA), except the SOA MNAME's (RFC 1996 "
     "§3.3) and our own; an NS name outside the zone is not resolved but skipped, with a "
     "log line."},
    {"shrink-limit", CT_INT, 0, 0, 100, NULL, 0, "50", NULL, Z(shrink_limit), 0,
     "The largest share of the records, in percent, that a reload of a primary zone may "
     "remove; a bigger loss is refused unless forced (`nsfleet ctl reload --force`). 100 "
     "turns the guard off, 0 refuses any loss."},
    {"refresh-min-interval", CT_INT, 0, 1, 2419200, NULL, 0, "1", NULL, Z(refresh_min), 0,
     "A secondary refreshes at least this many seconds apart, whatever the SOA REFRESH says "
     "(as Knot's option of this name)."},
    {"refresh-max-interval", CT_INT, 0, 1, 2419200, NULL, 0, "2419200", NULL, Z(refresh_max), 0,
     "A secondary refreshes at most this many seconds apart (28 days by default)."},
    {"retry-min-interval", CT_INT, 0, 1, 2419200, NULL, 0, "1", NULL, Z(retry_min), 0,
     "Lower bound, in seconds, of the SOA RETRY a secondary uses after a failed refresh."},
    {"retry-max-interval", CT_INT, 0, 1, 2419200, NULL, 0, "2419200", NULL, Z(retry_max), 0,
     "Upper bound, in seconds, of the SOA RETRY."},
    {"expire-min-interval", CT_INT, 0, 1, 2419200, NULL, 0, "1", NULL, Z(expire_min), 0,
     "Lower bound, in seconds, of the SOA EXPIRE after which a secondary that reached no "
     "primary answers SERVFAIL."},
    {"expire-max-interval", CT_INT, 0, 1, 2419200, NULL, 0, "2419200", NULL, Z(expire_max), 0,
     "Upper bound, in seconds, of the SOA EXPIRE."},
};
#undef Z

#define N(a) (sizeof(a) / sizeof((a)[0]))
const conf_section_t conf_sections[CS__COUNT] = {
    [CS_SERVER] = {"server", false, sizeof(conf_server_t), offsetof(conf_t, server), SERVER,
                   N(SERVER), "The daemon itself (a mapping)."},
    [CS_KEY] = {"key", true, sizeof(conf_key_t), offsetof(conf_t, key), KEY, N(KEY),
                "TSIG keys (a list)."},
    [CS_REMOTE] = {"remote", true, sizeof(conf_remote_t), offsetof(conf_t, remote), REMOTE,
                   N(REMOTE),
                   "Other servers: primaries to transfer from, secondaries to notify "
                   "(a list)."},
    [CS_ACL] = {"acl", true, sizeof(conf_acl_t), offsetof(conf_t, acl), ACL, N(ACL),
                "Access rules for transfers, notifies and updates (a list)."},
    [CS_ZONE] = {"zone", true, sizeof(conf_zone_t), offsetof(conf_t, zone), ZONE, N(ZONE),
                 "The zones served (a list)."},
};
#undef N

int conf_enum_find(const char *const *values, const char *s, size_t len)
{
	for (int i = 0; values[i] != NULL; i++)
		if (strlen(values[i]) == len && strncasecmp(values[i], s, len) == 0)
			return i;
	return -1;
}

static const char *type_doc(const conf_opt_t *o, char *buf, size_t cap)
{
	switch (o->type) {
	case CT_STR:
		snprintf(buf, cap, "string (%lu..%lu characters)", o->min, o->max);
		break;
	case CT_INT:
		snprintf(buf, cap, "integer %lu..%lu", o->min, o->max);
		break;
	case CT_BOOL:
		snprintf(buf, cap, "boolean");
		break;
	case CT_ENUM:
	case CT_FLAGS: {
		size_t n = (size_t)snprintf(buf, cap, "%s", o->type == CT_FLAGS ? "list of " : "");
		for (int i = 0; o->values[i] != NULL && n < cap; i++)
			n += (size_t)snprintf(buf + n, cap - n, "%s`%s`", i ? " \\| " : "",
			                      o->values[i]);
		break;
	}
	case CT_ADDR:
		snprintf(buf, cap, "%saddress `ADDR[@PORT]`", o->flags & CO_LIST ? "list of " : "");
		break;
	case CT_PREFIX:
		snprintf(buf, cap, "list of prefixes `ADDR[/BITS]`");
		break;
	case CT_NAME:
		snprintf(buf, cap, "domain name");
		break;
	case CT_REF:
		snprintf(buf, cap, "%s`%s.id`", o->flags & CO_LIST ? "list of " : "",
		         conf_sections[o->ref].name);
		break;
	case CT_B64:
		snprintf(buf, cap, "base64");
		break;
	case CT_VERSION:
		snprintf(buf, cap, "string (..%lu characters) or `false`", o->max);
		break;
	}
	return buf;
}

void conf_dump_reference(FILE *f)
{
	fputs("# nsfleetd configuration reference\n"
	      "\n"
	      "<!-- Generated from src/server/conf_schema.c by conf_dump_reference(); do not\n"
	      "     edit. Regenerate: NSF_CONF_DOC_UPDATE=1 BUILD/tests/unit/test_conf -->\n"
	      "\n"
	      "The configuration is one YAML document (`nsfleetd -c FILE`; check it with\n"
	      "`nsfleetd -c FILE --check-config`). Its top level is a mapping of sections:\n"
	      "`server` is a mapping, the others are lists of mappings. An example is in\n"
	      "`etc/nsfleetd.yaml`; the contract is in `doc/ARCHITECTURE.md`.\n"
	      "\n"
	      "Rules common to every option:\n"
	      "\n"
	      "- Every problem is reported as `FILE:LINE:COLUMN: error: what`, at the\n"
	      "  offending key or value (a missing option: at the start of its section or\n"
	      "  item). All problems are reported in one run, up to 100.\n"
	      "- Unknown sections and options, duplicate keys, values of the wrong type or\n"
	      "  out of range are errors. So are YAML aliases (`*name`), which nsfleetd\n"
	      "  does not expand, and more than one document.\n"
	      "- A list option also takes a single value: `listen: ::1@53` is\n"
	      "  `listen: [ \"::1@53\" ]`.\n"
	      "- References (`key`, `primaries`, `notify`, `acl`) name the `id` of an item\n"
	      "  of another section, declared anywhere in the file; an unknown id is an\n"
	      "  error at the reference. Ids are unique within their section; zones are\n"
	      "  unique by domain (case-insensitive), keys by name.\n"
	      "- Addresses are IPv4 or IPv6 literals; `ADDR@PORT` puts the port after an\n"
	      "  `@` so that IPv6 needs no brackets (`2001:db8::1@5300`).\n"
	      "- Enumerated values are matched case-insensitively.\n"
	      "\n"
	      "Quick mode (`nsfleetd --listen ... --zone NAME=FILE ...`) builds the same\n"
	      "configuration: `--listen` is `server.listen`, `--udp-workers`,\n"
	      "`--identity` and `--control` the `server` options of those names,\n"
	      "`--zone NAME=FILE` a primary zone whose file is relative to the current\n"
	      "directory, and `--allow-transfer PREFIX` an acl `allow-transfer` with\n"
	      "action `transfer` attached to every zone.\n",
	      f);
	for (int s = 0; s < CS__COUNT; s++) {
		const conf_section_t *sec = &conf_sections[s];
		fprintf(f, "\n## `%s`\n\n%s\n\n", sec->name, sec->help);
		fputs("| option | type | default | description |\n"
		      "| --- | --- | --- | --- |\n",
		      f);
		for (size_t i = 0; i < sec->n_opts; i++) {
			const conf_opt_t *o = &sec->opts[i];
			char tbuf[200];
			const char *def = o->flags & CO_REQUIRED ? "**required**"
			                  : o->def_doc           ? o->def_doc
			                                         : NULL;
			fprintf(f, "| `%s` | %s | ", o->name, type_doc(o, tbuf, sizeof tbuf));
			if (def != NULL)
				fputs(def, f);
			else if (o->def != NULL)
				fprintf(f, "`%s`", o->def);
			else
				fputs("none", f);
			fprintf(f, " | %s |\n", o->help);
		}
	}
	fputs("\n## Checks beyond single values\n"
	      "\n"
	      "- a `secondary` zone needs `primaries` (error at its `role`);\n"
	      "- a key `id` must be a valid DNS name, its `secret` valid base64;\n"
	      "- an acl `address` with bits set beyond its prefix length is a warning\n"
	      "  (the bits are ignored).\n",
	      f);
}
