/* placeholder: being written */
typedef int nsf_placeholder_answer;
