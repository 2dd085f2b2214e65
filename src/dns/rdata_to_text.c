/* placeholder: being written */
typedef int nsf_placeholder_rdata_to_text;
