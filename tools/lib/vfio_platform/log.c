// SPDX-License-Identifier: GPL-2.0
/*
 * How libvfio_platform says what failed: one line on stderr per failure, so
 * that a program that only passes the errno on still tells why.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "libvfio_platform.h"

const char *vp_log_prefix = "# ";

int vp_fail(int err, const char *what, const char *arg)
{
	if (arg)
		vp_log("%s %s: %s", what, arg, strerror(err));
	else
		vp_log("%s: %s", what, strerror(err));
	return -err;
}

void vp_log(const char *fmt, ...)
{
	va_list ap;

	fputs(vp_log_prefix, stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
