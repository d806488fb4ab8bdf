// SPDX-License-Identifier: GPL-2.0
/*
 * Our KUnit suites again, as modules of the test VM's debug kernel.
 *
 * kunit.py runs them in a kernel of its own, without the debug checkers. Here
 * they run under KASAN, lockdep (where lockdep_assert_held() means something),
 * DEBUG_ATOMIC_SLEEP and kmemleak: a splat during a case fails the VM run, as
 * any splat does. Each case is one TAP result, "suite.case", read from the
 * suite's results in debugfs once its module has loaded (loading a KUnit
 * module runs its suites); the modules are removed again afterwards.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kselftest.h"

#define KUNIT_DEBUGFS	"/sys/kernel/debug/kunit"
#define MAX_SUITES	64

static const char * const modules[] = {
	"vfio_platform_kunit",
	"vfio_iommu_type1_kunit",
	"iommu-msi-kunit",
};

static unsigned int passed, failed, skipped;

/*
 * @tool is modprobe, to load with the modules the suites depend on, or rmmod,
 * to remove the test module alone: "modprobe -r" would also try to remove the
 * modules it depends on, which the other programs of the lane still need.
 */
static int run_tool(const char *tool, const char *module)
{
	char cmd[NAME_MAX + 1];

	snprintf(cmd, sizeof(cmd), "%s %s", tool, module);
	return system(cmd);
}

static void result(const char *status, const char *suite, const char *name,
		   const char *directive)
{
	unsigned int n = passed + failed + skipped + 1;

	if (directive) {
		printf("ok %u %s.%s # SKIP%s\n", n, suite, name, directive);
		skipped++;
	} else if (!strcmp(status, "ok")) {
		printf("ok %u %s.%s\n", n, suite, name);
		passed++;
	} else {
		printf("not ok %u %s.%s\n", n, suite, name);
		failed++;
	}
}

/* Every suite in debugfs, into @names; return how many, or -1. */
static int list_suites(char names[][NAME_MAX + 1], int max)
{
	struct dirent *e;
	int n = 0;
	DIR *dir;

	dir = opendir(KUNIT_DEBUGFS);
	if (!dir)
		return -1;
	while ((e = readdir(dir)) && n < max) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(names[n++], NAME_MAX + 1, "%s", e->d_name);
	}
	closedir(dir);
	return n;
}

static int known(char names[][NAME_MAX + 1], int n, const char *name)
{
	while (n--)
		if (!strcmp(names[n], name))
			return 1;
	return 0;
}

/*
 * The results of one suite: its cases are the lines indented by exactly one
 * level ("    ok 1 name"); deeper ones are the parameters of a case.
 */
static int report_suite(const char *suite)
{
	char path[PATH_MAX], line[512], name[256];
	const char *status;
	unsigned int cases = 0, num;
	FILE *f;

	snprintf(path, sizeof(path), KUNIT_DEBUGFS "/%s/results", suite);
	f = fopen(path, "r");
	if (!f) {
		ksft_print_msg("cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *directive;

		if (strncmp(line, "    ", 4) || line[4] == ' ')
			continue;
		if (sscanf(line + 4, "ok %u %255s", &num, name) == 2)
			status = "ok";
		else if (sscanf(line + 4, "not ok %u %255s", &num, name) == 2)
			status = "not ok";
		else
			continue;
		directive = strstr(line, "# SKIP");
		if (directive) {
			directive += strlen("# SKIP");
			directive[strcspn(directive, "\n")] = '\0';
		}
		result(status, suite, name, directive);
		cases++;
	}
	fclose(f);
	if (!cases) {
		ksft_print_msg("suite %s reported no case\n", suite);
		return -1;
	}
	return 0;
}

int main(void)
{
	static char before[MAX_SUITES][NAME_MAX + 1], after[MAX_SUITES][NAME_MAX + 1];
	int nbefore, nafter, i, errors = 0;
	size_t m;

	ksft_print_header();

	/* Modules left from an earlier run would not run their suites again. */
	for (m = 0; m < ARRAY_SIZE(modules); m++)
		run_tool("rmmod 2>/dev/null", modules[m]);

	nbefore = list_suites(before, MAX_SUITES);
	if (nbefore < 0)
		ksft_exit_fail_msg("no %s: the kernel needs KUNIT_DEBUGFS\n",
				   KUNIT_DEBUGFS);

	for (m = 0; m < ARRAY_SIZE(modules); m++) {
		if (run_tool("modprobe", modules[m])) {
			ksft_print_msg("cannot load %s\n", modules[m]);
			errors++;
		}
	}

	nafter = list_suites(after, MAX_SUITES);
	for (i = 0; i < nafter; i++)
		if (!known(before, nbefore, after[i]) &&
		    report_suite(after[i]))
			errors++;
	if (nafter <= nbefore) {
		ksft_print_msg("no suite appeared in %s\n", KUNIT_DEBUGFS);
		errors++;
	}

	for (m = 0; m < ARRAY_SIZE(modules); m++) {
		if (run_tool("rmmod", modules[m])) {
			ksft_print_msg("cannot remove %s\n", modules[m]);
			errors++;
		}
	}

	printf("1..%u\n", passed + failed + skipped);
	printf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:%d\n",
	       passed, failed, skipped, errors);
	return failed || errors ? KSFT_FAIL : KSFT_PASS;
}
