typedef int nsf_placeholder_zone;
