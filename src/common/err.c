#include "common/err.h"

#include <string.h>

const char *err_str(int rc)
{
	switch (rc) {
	case 0:
		return "success";
#define NSF_ERR_CASE(code, text)                                           \
	case code:                                                         \
		return text;
		NSF_ERR_MAP(NSF_ERR_CASE)
#undef NSF_ERR_CASE
	default:
		break;
	}
	if (rc < 0 && rc > ERR__BASE)
		return strerror(-rc);
	return "unknown error";
}
