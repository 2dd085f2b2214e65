/* placeholder: the message parse/build API is being written */
#ifndef NSF_DNS_MSG_H
#define NSF_DNS_MSG_H
#endif
