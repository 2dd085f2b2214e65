#include <stdio.h>

int main(void)
{
	puts("nsfleet " NSF_VERSION);
	return 0;
}
