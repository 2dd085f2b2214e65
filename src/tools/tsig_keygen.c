/*
 * nsfleet tsig-keygen NAME [-a|--algorithm ALG]: a new TSIG key (RFC 8945)
 * with a random secret as long as the algorithm's hash (RFC 8945 §6: at
 * least that long), printed as the `key:` section of nsfleetd's YAML
 * configuration, followed by the same key for BIND (named.conf) and Knot
 * DNS (knot.conf) as comments, so that the whole output stays valid YAML.
 * Exit 0; 2 for a bad name or algorithm (hmac-md5 is refused: RFC 8945 §6
 * says MUST NOT use), 1 when no random bytes could be had.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "dns/name.h"
#include "dns/tsig.h"
#include "tools/tool.h"

static void keygen_usage(FILE *out)
{
	fputs("usage: nsfleet tsig-keygen NAME [--algorithm ALG]\n"
	      "\n"
	      "  NAME                   the key's name, a DNS name (e.g. xfr or xfr.example.com)\n"
	      "  -a, --algorithm ALG    hmac-sha1, hmac-sha224, hmac-sha256 (default),\n"
	      "                         hmac-sha384 or hmac-sha512\n",
	      out);
}

int cmd_tsig_keygen(int argc, char **argv)
{
	const char *name = NULL, *alg_text = "hmac-sha256";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			keygen_usage(stdout);
			return TOOL_OK;
		}
		if (strcmp(argv[i], "-a") == 0 || strcmp(argv[i], "--algorithm") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "nsfleet tsig-keygen: %s needs a value\n", argv[i]);
				return TOOL_USAGE;
			}
			alg_text = argv[++i];
		} else if (strncmp(argv[i], "--algorithm=", 12) == 0) {
			alg_text = argv[i] + 12;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "nsfleet tsig-keygen: unknown option '%s'\n", argv[i]);
			keygen_usage(stderr);
			return TOOL_USAGE;
		} else if (name == NULL) {
			name = argv[i];
		} else {
			fprintf(stderr, "nsfleet tsig-keygen: one key name only ('%s')\n", argv[i]);
			return TOOL_USAGE;
		}
	}
	if (name == NULL) {
		keygen_usage(stderr);
		return TOOL_USAGE;
	}

	tsig_alg_t alg;
	if (tsig_alg_from_text(alg_text, &alg) != 0) {
		fprintf(stderr,
		        "nsfleet tsig-keygen: unknown algorithm '%s' (hmac-sha1, hmac-sha224, "
		        "hmac-sha256, hmac-sha384, hmac-sha512)\n",
		        alg_text);
		return TOOL_USAGE;
	}
	if (alg == TSIG_HMAC_MD5) {
		fprintf(stderr, "nsfleet tsig-keygen: hmac-md5 must not be used for new keys "
		                "(RFC 8945 section 6); use hmac-sha256\n");
		return TOOL_USAGE;
	}

	/* the name: a DNS name, printed without escapes (they would need
	 * quoting rules of their own in YAML, named.conf and knot.conf) */
	static const uint8_t root[1] = {0};
	uint8_t wire[NAME_MAXLEN];
	size_t wlen;
	char text[NAME_TEXT_MAXLEN];
	if (name[0] == '\0' || strcmp(name, ".") == 0 ||
	    name_from_text(name, strlen(name), root, wire, &wlen) != 0 ||
	    name_to_text(wire, text, sizeof(text)) < 0 || strpbrk(text, "\\\"") != NULL) {
		fprintf(stderr,
		        "nsfleet tsig-keygen: bad key name '%s' (a DNS name such as "
		        "xfr or xfr.example.com, without escapes)\n",
		        name);
		return TOOL_USAGE;
	}
	text[strlen(text) - 1] = '\0'; /* "xfr." -> "xfr": what the configs write */

	char alg_name[32];
	snprintf(alg_name, sizeof(alg_name), "%s", tsig_alg_name(alg));
	alg_name[strlen(alg_name) - 1] = '\0'; /* without the final dot */

	unsigned char secret[TSIG_MAC_MAX];
	unsigned char b64[4 * TSIG_MAC_MAX / 3 + 4];
	size_t n = tsig_alg_mac_len(alg);
	if (RAND_bytes(secret, (int)n) != 1) {
		fprintf(stderr, "nsfleet tsig-keygen: no random bytes from OpenSSL\n");
		return TOOL_FAIL;
	}
	EVP_EncodeBlock(b64, secret, (int)n);
	explicit_bzero(secret, sizeof(secret));

	printf("# nsfleetd (YAML): the key section of the configuration\n"
	       "key:\n"
	       "  - id: %s\n"
	       "    algorithm: %s\n"
	       "    secret: \"%s\"\n"
	       "\n"
	       "# BIND (named.conf):\n"
	       "# key \"%s\" {\n"
	       "#     algorithm %s;\n"
	       "#     secret \"%s\";\n"
	       "# };\n"
	       "\n"
	       "# Knot DNS (knot.conf):\n"
	       "# key:\n"
	       "#   - id: %s\n"
	       "#     algorithm: %s\n"
	       "#     secret: %s\n",
	       text, alg_name, (char *)b64, text, alg_name, (char *)b64, text, alg_name,
	       (char *)b64);
	fflush(stdout);
	explicit_bzero(b64, sizeof(b64));
	return TOOL_OK;
}
