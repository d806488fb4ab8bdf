// SPDX-License-Identifier: GPL-2.0
/*
 * A simulated device assigned to an aarch64 guest by QEMU's vfio-platform
 * device (qemu-system-aarch64 -M virt, TCG), by each client the device has:
 * QEMU 7.2 from bookworm through the group and a type1 container, and QEMU
 * 10.0 from bookworm-backports (the last series with vfio-platform) through
 * the container and through the device cdev with iommufd (-object iommufd).
 * The variant names say which: qemu7_container, qemu10_container,
 * qemu10_iommufd.
 *
 * QEMU 7.2 generates guest device-tree nodes for two Calxeda and AMD devices
 * only and refuses to start with any other vfio-platform device, unless the
 * user supplies the whole device tree with -dtb. So each test takes the
 * machine's own device tree (-machine dumpdtb=, once per QEMU), adds a node
 * for the device under the platform bus with dtc, and boots a few
 * instructions of guest code with it. The platform bus hands out MMIO and
 * interrupts first fit in the order of the device's regions and lines, each
 * region naturally aligned, which is how the node's reg and interrupts are
 * computed here, and what the guest's memory map must then show.
 *
 * What is checked, from outside QEMU: the simulator's debugfs (IOMMU domain,
 * page table, interrupt lines), /proc/interrupts, the module references of
 * vfio_iommu_type1 or iommufd; and from inside, through the human monitor on
 * a unix socket: info qtree, info mtree, xp, and dumpdtb (a Debian addition
 * to QEMU 7.2's monitor, upstream's in 10.0) for the device tree the guest
 * got. The guest of the qemu_irq tests raises the
 * device's level interrupt, which QEMU forwards to the guest's GIC and
 * completes when the memory of the device is next accessed.
 *
 * Needs qemu-system-aarch64 and dtc in PATH, QEMU 10.0 unpacked where
 * VP_QEMU10_ROOT says (deps.sh does it, selftests.sh passes it), and a
 * device-tree node for the simulated devices (of_node/compatible in sysfs),
 * which QEMU reads: a test fails, saying so, when one is missing. Every
 * QEMU is a build for the machine the test runs on: the x86_64 test VM runs
 * the host's own, the arm64 one arm64 builds (deps.sh, vm-run.sh), each
 * guest then running under TCG inside a TCG guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "vfio_platform_util.h"

#define QEMU_BIN		"qemu-system-aarch64"
/* Where a QEMU built for this machine keeps its modules, below its root. */
#if defined(__x86_64__)
#define QEMU_MODULE_DIR		"/usr/lib/x86_64-linux-gnu/qemu"
#elif defined(__aarch64__)
#define QEMU_MODULE_DIR		"/usr/lib/aarch64-linux-gnu/qemu"
#else
#error "no QEMU for this machine in the test VMs"
#endif
#define DTC_BIN			"dtc"

/* The guest: small, as it runs under TCG inside the TCG test VM. */
#define GUEST_CPU		"cortex-a57"
#define GUEST_RAM		"128M"
#define GUEST_RAM_BASE		0x40000000ULL	/* virt's RAM */
#define GUEST_RAM_SIZE		(128ULL << 20)

/* virt's platform bus: its window, and the GIC SPIs of its 64 lines. */
#define PBUS_NODE		"platform-bus@c000000"
#define PBUS_BASE		0x0c000000ULL
#define PBUS_SIZE		0x02000000ULL
#define PBUS_FIRST_SPI		112

/* Device-tree interrupt specifier: an SPI, and its trigger. */
#define DT_IRQ_SPI		0
#define DT_IRQ_EDGE_RISING	1
#define DT_IRQ_LEVEL_HIGH	4

/*
 * QEMU's start measured about 5 s in the test VM; the limits allow for a
 * loaded machine without letting a hung QEMU stall the lane.
 */
#define QEMU_START_MS		120000
#define QEMU_CMD_MS		60000
#define QEMU_EXIT_MS		60000
#define QEMU_TEST_TIMEOUT	600

/* The device: registers, a second region, a level and an edge line. */
#define NUM_REGIONS		2
#define NUM_IRQS		2
#define LEVEL			0
#define EDGE			1
static const __u64 region_size[NUM_REGIONS] = { 0x1000, 0x2000 };

/* IOMMU_READ and IOMMU_WRITE in the simulator's page table. */
#define PROT_RW			0x3

/* The files of a test, in its directory. */
enum qemu_file {
	F_VIRT_DTB,	/* the machine's device tree */
	F_GUEST_DTS,	/* the guest's, as source */
	F_GUEST_DTB,
	F_GUEST_BIN,	/* the guest's code */
	F_MON,		/* the monitor's socket */
	F_QEMU_LOG,	/* what QEMU printed */
	F_TOOL_LOG,	/* what dtc or QEMU dumping the machine printed */
	F_LIVE_DTB,	/* the device tree QEMU gave the guest */
	F_LIVE_DTS,
	F_NUM
};

static const char * const qemu_file_names[F_NUM] = {
	[F_VIRT_DTB] = "virt.dtb",
	[F_GUEST_DTS] = "guest.dts",
	[F_GUEST_DTB] = "guest.dtb",
	[F_GUEST_BIN] = "guest.bin",
	[F_MON] = "mon.sock",
	[F_QEMU_LOG] = "qemu.log",
	[F_TOOL_LOG] = "tool.log",
	[F_LIVE_DTB] = "live.dtb",
	[F_LIVE_DTS] = "live.dts",
};

/* Which QEMU, and through which interface. */
struct qemu_client {
	bool backport;			/* QEMU 10.0, in VP_QEMU10_ROOT */
	bool iommufd;			/* device cdev and iommufd */
};

struct qemu_ctx {
	const struct qemu_client *client;
	char bin[PATH_MAX];		/* qemu-system-aarch64 */
	char datadir[PATH_MAX];		/* its firmware and ROMs, or "" */
	const char *iommu_module;	/* vfio_iommu_type1 or iommufd */
	struct sim_dev sim;
	struct vp_saved msi_window;
	int group;			/* the device's IOMMU group number */
	unsigned long long iommu_refs;	/* of iommu_module, before QEMU */
	__u64 region_addr[NUM_REGIONS];	/* guest physical */
	char dir[64];			/* files of this test */
	char file[F_NUM][96];
	pid_t pid;			/* QEMU, or 0 */
	int mon;			/* its monitor, or -1 */
	char *reply;			/* the last monitor reply */
	size_t reply_size;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L };

	nanosleep(&ts, NULL);
}

static bool in_path(const char *prog)
{
	char *path = getenv("PATH"), *copy, *dir, *save;
	char file[PATH_MAX];
	bool found = false;

	copy = strdup(path ? path : "/usr/bin:/bin");
	if (!copy)
		return false;
	for (dir = strtok_r(copy, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		snprintf(file, sizeof(file), "%s/%s", dir, prog);
		found = !access(file, X_OK);
	}
	free(copy);
	return found;
}

/* The arm64 test VM gets the arm64 builds deps.sh unpacks, not the host's. */
static void need_in_path(const char *prog, const char *package)
{
	fprintf(stderr, "# needs %s in PATH: Debian's %s (deps.sh arm64 in the arm64 VM)\n",
		prog, package);
}

/* Copy a file to stderr as TAP comments: what QEMU or dtc said. */
static void show_file(const char *what, const char *path)
{
	char line[512];
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return;
	fprintf(stderr, "# --- %s:\n", what);
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "#   %s%s", line, strchr(line, '\n') ? "" : "\n");
	fclose(f);
}

/* A command line, built an argument at a time. */
struct cmdline {
	const char *argv[32];
	unsigned int argc;
};

static void cmdline_add(struct cmdline *cl, unsigned int n, ...)
{
	va_list ap;

	va_start(ap, n);
	while (n--) {
		/* The array is sized for the longest command line below. */
		if (cl->argc + 1 < ARRAY_SIZE(cl->argv))
			cl->argv[cl->argc++] = va_arg(ap, const char *);
	}
	va_end(ap);
	cl->argv[cl->argc] = NULL;
}

/* QEMU's options of the machine: the same to dump its device tree and to run it. */
static void cmdline_machine(struct cmdline *cl, const struct qemu_ctx *c,
			    const char *machine)
{
	cmdline_add(cl, 15, c->bin, "-machine", machine, "-cpu", GUEST_CPU,
		    "-m", GUEST_RAM, "-smp", "1", "-accel", "tcg", "-nodefaults",
		    "-no-user-config", "-display", "none");
	if (c->datadir[0])
		cmdline_add(cl, 2, "-L", c->datadir);
}

/*
 * Start @cl with its output in @log; the child dies with the test, so that
 * no QEMU outlives a test killed by the harness.
 */
static pid_t spawn(const struct cmdline *cl, const char *log)
{
	pid_t parent = getpid(), pid;
	int fd;

	pid = fork();
	if (pid)
		return pid < 0 ? -errno : pid;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(126);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		_exit(126);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		dup2(fd, STDIN_FILENO);
	execvp(cl->argv[0], (char *const *)cl->argv);
	_exit(127);
}

/* Wait up to @ms for @pid: its wait status, or -ETIMEDOUT with it still running. */
static int reap(pid_t pid, int ms)
{
	long long end = now_ms() + ms;
	int status;
	pid_t ret;

	for (;;) {
		ret = waitpid(pid, &status, WNOHANG);
		if (ret == pid)
			return status;
		if (ret < 0)
			return -errno;
		if (now_ms() >= end)
			return -ETIMEDOUT;
		sleep_ms(10);
	}
}

/* Run a command to completion: 0 if it exits with 0. */
static int run(const struct cmdline *cl, const char *log, int ms)
{
	const char *prog = cl->argv[0];
	pid_t pid = spawn(cl, log);
	int status;

	if (pid < 0) {
		fprintf(stderr, "# fork for %s: %s\n", prog, strerror(-pid));
		return pid;
	}
	status = reap(pid, ms);
	if (status == -ETIMEDOUT) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fprintf(stderr, "# %s did not finish in %d ms\n", prog, ms);
		show_file(prog, log);
		return status;
	}
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "# %s failed (wait status %#x)\n", prog, status);
		show_file(prog, log);
		return -EIO;
	}
	return 0;
}

/*
 * A whole file whose size stat() knows (a regular file or a device-tree
 * property in sysfs), NUL-terminated; the caller frees it.
 */
static int read_whole(const char *path, char **buf, size_t *len)
{
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "# open %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -ENOENT;
	}
	*buf = malloc(st.st_size + 1);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, *buf, st.st_size);
	close(fd);
	if (n < 0) {
		free(*buf);
		*buf = NULL;
		return -EIO;
	}
	(*buf)[n] = '\0';
	*len = n;
	return 0;
}

/*
 * Where the platform bus puts the device's regions: at the lowest offset,
 * aligned to the region's size rounded up to a power of two, that no region
 * placed before overlaps.
 */
static void place_regions(__u64 *addr)
{
	__u64 off, align;
	unsigned int i, j;
	bool busy;

	for (i = 0; i < NUM_REGIONS; i++) {
		for (align = 1; align < region_size[i]; align <<= 1)
			;
		for (off = 0; off + region_size[i] <= PBUS_SIZE; off += align) {
			busy = false;
			for (j = 0; j < i; j++)
				if (off < addr[j] - PBUS_BASE + region_size[j] &&
				    addr[j] - PBUS_BASE < off + region_size[i])
					busy = true;
			if (!busy)
				break;
		}
		addr[i] = PBUS_BASE + off;
	}
}

/*
 * The compatible strings of the device's device-tree node, which QEMU reads
 * too, as a device-tree source list.
 */
static int read_compatible(struct qemu_ctx *c, char *buf, size_t size)
{
	char path[256], *raw;
	size_t len, i, n = 0;
	int ret;

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/of_node/compatible",
		 c->sim.name);
	ret = read_whole(path, &raw, &len);
	if (ret) {
		fprintf(stderr, "# %s has no device-tree node: QEMU cannot assign it\n",
			c->sim.name);
		return ret;
	}
	buf[0] = '\0';
	/* The property holds NUL-terminated strings. */
	for (i = 0; i < len && n < size; i += strlen(raw + i) + 1)
		n += snprintf(buf + n, size - n, "%s\"%s\"", i ? ", " : "", raw + i);
	free(raw);
	return n && n < size ? 0 : -EINVAL;
}

static int write_whole(const char *path, const char *buf, size_t len)
{
	ssize_t n = -1;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		n = write(fd, buf, len);
		if (close(fd))
			n = -1;
	}
	if (n != (ssize_t)len) {
		fprintf(stderr, "# write %s: %s\n", path, n < 0 ? strerror(errno) : "short");
		return -EIO;
	}
	return 0;
}

/*
 * The machine's own device tree depends on the QEMU that dumps it and on
 * nothing a test changes: each QEMU's, as source, is kept for the tests that
 * follow (a QEMU run and a dtc run each, seconds inside the TCG test VMs).
 * The directory is the program's; without it every test dumps its own.
 */
static char machine_cache[64];
static pid_t machine_cache_owner;

static void machine_cache_file(bool backport, char *path, size_t size)
{
	snprintf(path, size, "%s/virt-qemu%s.dts", machine_cache, backport ? "10" : "7");
}

static void __attribute__((constructor)) machine_cache_create(void)
{
	snprintf(machine_cache, sizeof(machine_cache), "/tmp/vfio-platform-qemu-virt.XXXXXX");
	if (!mkdtemp(machine_cache))
		machine_cache[0] = '\0';
	machine_cache_owner = getpid();
}

/* Run at the harness's exit; the tests' children leave by _exit(). */
static void __attribute__((destructor)) machine_cache_remove(void)
{
	char path[128];

	if (!machine_cache[0] || getpid() != machine_cache_owner)
		return;
	machine_cache_file(false, path, sizeof(path));
	unlink(path);
	machine_cache_file(true, path, sizeof(path));
	unlink(path);
	rmdir(machine_cache);
}

/* The machine's device tree, as source, in @dts; the caller frees it. */
static int machine_dts(struct qemu_ctx *c, char **dts, size_t *len)
{
	struct cmdline dump = {}, to_dts = {};
	char machine[192], cache[128], tmp[136];
	int ret;

	machine_cache_file(c->client->backport, cache, sizeof(cache));
	if (machine_cache[0] && !access(cache, R_OK))
		return read_whole(cache, dts, len);

	snprintf(machine, sizeof(machine), "virt,dumpdtb=%s", c->file[F_VIRT_DTB]);
	cmdline_machine(&dump, c, machine);
	ret = run(&dump, c->file[F_TOOL_LOG], QEMU_START_MS);
	if (ret)
		return ret;
	cmdline_add(&to_dts, 9, DTC_BIN, "-q", "-I", "dtb", "-O", "dts", "-o",
		    c->file[F_GUEST_DTS], c->file[F_VIRT_DTB]);
	ret = run(&to_dts, c->file[F_TOOL_LOG], QEMU_CMD_MS);
	if (!ret)
		ret = read_whole(c->file[F_GUEST_DTS], dts, len);
	if (ret || !machine_cache[0])
		return ret;
	/* Renamed into place: the cache never holds half a file. */
	snprintf(tmp, sizeof(tmp), "%s.new", cache);
	if (write_whole(tmp, *dts, *len) || rename(tmp, cache))
		unlink(tmp);
	return 0;
}

/*
 * The guest's device tree: the machine's own, with the device under the
 * platform bus. dtc merges the second root node into the first.
 */
static int make_dtb(struct qemu_ctx *c)
{
	struct cmdline to_dtb = {};
	char compat[256], *dts;
	unsigned int i;
	bool found;
	size_t len;
	FILE *f;
	int ret;

	ret = read_compatible(c, compat, sizeof(compat));
	if (ret)
		return ret;
	ret = machine_dts(c, &dts, &len);
	if (ret)
		return ret;

	/* The constants above must describe this QEMU's machine. */
	found = strstr(dts, "\t" PBUS_NODE " {");
	if (found)
		ret = write_whole(c->file[F_GUEST_DTS], dts, len);
	free(dts);
	if (ret)
		return ret;
	if (!found) {
		fprintf(stderr, "# the virt machine has no %s node\n", PBUS_NODE);
		return -ENODEV;
	}

	f = fopen(c->file[F_GUEST_DTS], "ae");
	if (!f)
		return -errno;
	fprintf(f, "\n/ {\n\t%s {\n\t\tassigned@%llx {\n\t\t\tcompatible = %s;\n",
		PBUS_NODE, c->region_addr[0] - PBUS_BASE, compat);
	fprintf(f, "\t\t\treg = ");
	for (i = 0; i < NUM_REGIONS; i++)
		fprintf(f, "%s<0x%llx 0x%llx>", i ? ", " : "",
			c->region_addr[i] - PBUS_BASE, region_size[i]);
	fprintf(f, ";\n\t\t\tinterrupts = <%d %d %d>, <%d %d %d>;\n\t\t};\n\t};\n};\n",
		DT_IRQ_SPI, PBUS_FIRST_SPI + LEVEL, DT_IRQ_LEVEL_HIGH,
		DT_IRQ_SPI, PBUS_FIRST_SPI + EDGE, DT_IRQ_EDGE_RISING);
	if (fclose(f))
		return -errno;

	cmdline_add(&to_dtb, 9, DTC_BIN, "-q", "-I", "dts", "-O", "dtb", "-o",
		    c->file[F_GUEST_DTB], c->file[F_GUEST_DTS]);
	return run(&to_dtb, c->file[F_TOOL_LOG], QEMU_CMD_MS);
}

/*
 * The guest's code, loaded by -kernel and entered with the MMU off: wait for
 * interrupts forever, after raising the device's level line if @raise, with
 * a write of IRQ_RAISE in the device's registers (region 0).
 */
static int make_kernel(struct qemu_ctx *c, bool raise)
{
	__u64 regs = c->region_addr[0];
	__u32 code[8];
	unsigned int n = 0;
	int fd, ret = 0;

	if (raise) {
		if (regs & 0xffff || regs >> 32)
			return -ERANGE;
		/* movz x0, #(regs >> 16), lsl #16 */
		code[n++] = 0xd2a00000 | (__u32)(regs >> 16) << 5;
		/* movz w1, #(1 << LEVEL) */
		code[n++] = 0x52800001 | (1U << LEVEL) << 5;
		/* str w1, [x0, #VFIO_PSIM_REG_IRQ_RAISE] */
		code[n++] = 0xb9000001 | (VFIO_PSIM_REG_IRQ_RAISE / 4) << 10;
	}
	code[n++] = 0xd503207f;		/* 1: wfi */
	code[n++] = 0x17ffffff;		/* b 1b */

	fd = open(c->file[F_GUEST_BIN], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		  0644);
	if (fd < 0)
		return -errno;
	/* Instructions are little-endian, as this machine is. */
	if (write(fd, code, n * sizeof(code[0])) != (ssize_t)(n * sizeof(code[0])))
		ret = -EIO;
	close(fd);
	return ret;
}

/* Read the monitor until it prompts again: the reply is in c->reply. */
static int mon_wait_prompt(struct qemu_ctx *c, int ms)
{
	static const char prompt[] = "(qemu) ";
	long long end = now_ms() + ms;
	size_t len = 0;
	ssize_t n;

	for (;;) {
		struct pollfd pfd = { .fd = c->mon, .events = POLLIN };
		int left = end - now_ms();

		if (len + 4096 > c->reply_size) {
			char *p = realloc(c->reply, c->reply_size + 65536);

			if (!p)
				return -ENOMEM;
			c->reply = p;
			c->reply_size += 65536;
		}
		c->reply[len] = '\0';
		if (len >= strlen(prompt) &&
		    !strcmp(c->reply + len - strlen(prompt), prompt))
			return 0;
		if (left <= 0 || poll(&pfd, 1, left) <= 0) {
			fprintf(stderr, "# no prompt from QEMU's monitor in %d ms\n", ms);
			return -ETIMEDOUT;
		}
		n = read(c->mon, c->reply + len, c->reply_size - len - 1);
		if (n <= 0) {
			fprintf(stderr, "# QEMU's monitor closed\n");
			return -EPIPE;
		}
		len += n;
	}
}

/* Send a monitor command and wait for its reply, in c->reply. */
static int mon_cmd(struct qemu_ctx *c, const char *cmd)
{
	char line[128];
	int len;

	len = snprintf(line, sizeof(line), "%s\n", cmd);
	/* A QEMU that died must fail the check, not kill the test with SIGPIPE. */
	if (send(c->mon, line, len, MSG_NOSIGNAL) != len) {
		fprintf(stderr, "# write to QEMU's monitor: %s\n", strerror(errno));
		return -EIO;
	}
	return mon_wait_prompt(c, QEMU_CMD_MS);
}

/* Ask QEMU to quit: its wait status once it exited, or a negative errno. */
static int qemu_quit(struct qemu_ctx *c)
{
	long long end = now_ms() + QEMU_EXIT_MS;
	char buf[256];
	int status;
	ssize_t n;

	if (send(c->mon, "quit\n", 5, MSG_NOSIGNAL) != 5)
		return -EIO;
	/* QEMU closes the monitor as it exits. */
	do {
		struct pollfd pfd = { .fd = c->mon, .events = POLLIN };
		int left = end - now_ms();

		if (left <= 0 || poll(&pfd, 1, left) <= 0) {
			fprintf(stderr, "# QEMU did not quit in %d ms\n", QEMU_EXIT_MS);
			return -ETIMEDOUT;
		}
		n = read(c->mon, buf, sizeof(buf));
	} while (n > 0);
	close(c->mon);
	c->mon = -1;

	status = reap(c->pid, end - now_ms());
	if (status == -ETIMEDOUT) {
		fprintf(stderr, "# QEMU closed its monitor but did not exit\n");
		return status;
	}
	c->pid = 0;
	if (status)
		show_file("QEMU", c->file[F_QEMU_LOG]);
	return status;
}

static int mon_connect(struct qemu_ctx *c)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	long long end = now_ms() + QEMU_START_MS;
	int status;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", c->file[F_MON]);
	for (;;) {
		c->mon = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c->mon < 0)
			return -errno;
		if (!connect(c->mon, (struct sockaddr *)&addr, sizeof(addr)))
			break;
		close(c->mon);
		c->mon = -1;
		status = reap(c->pid, 0);
		if (status != -ETIMEDOUT) {
			fprintf(stderr, "# QEMU exited before its monitor came up (status %#x)\n",
				status);
			c->pid = 0;
			show_file("QEMU", c->file[F_QEMU_LOG]);
			return -ECHILD;
		}
		if (now_ms() >= end) {
			fprintf(stderr, "# QEMU's monitor did not come up\n");
			return -ETIMEDOUT;
		}
		sleep_ms(50);
	}
	/* The monitor greets once QEMU has created the machine and its devices. */
	return mon_wait_prompt(c, QEMU_START_MS);
}

static int qemu_start(struct qemu_ctx *c)
{
	char monitor[128], device[128];
	struct cmdline cl = {};
	pid_t pid;

	snprintf(device, sizeof(device), "vfio-platform,host=%s%s", c->sim.name,
		 c->client->iommufd ? ",iommufd=ifd0" : "");
	snprintf(monitor, sizeof(monitor), "unix:%s,server=on,wait=off",
		 c->file[F_MON]);
	cmdline_machine(&cl, c, "virt");
	if (c->client->iommufd)
		cmdline_add(&cl, 2, "-object", "iommufd,id=ifd0");
	cmdline_add(&cl, 8, "-kernel", c->file[F_GUEST_BIN], "-dtb",
		    c->file[F_GUEST_DTB], "-device", device, "-monitor", monitor);
	pid = spawn(&cl, c->file[F_QEMU_LOG]);
	if (pid < 0)
		return pid;
	c->pid = pid;
	return mon_connect(c);
}

static void qemu_kill(struct qemu_ctx *c)
{
	if (c->mon >= 0)
		close(c->mon);
	c->mon = -1;
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
	}
	c->pid = 0;
}

static void ctx_close(struct qemu_ctx *c)
{
	unsigned int i;

	qemu_kill(c);
	free(c->reply);
	c->reply = NULL;
	c->reply_size = 0;
	sim_destroy(&c->sim);
	vp_restore(&c->msi_window);
	if (c->dir[0]) {
		for (i = 0; i < F_NUM; i++)
			unlink(c->file[i]);
		rmdir(c->dir);
	}
	c->dir[0] = '\0';
}

static void ctx_init(struct qemu_ctx *c, const struct qemu_client *client)
{
	memset(c, 0, sizeof(*c));
	c->mon = -1;
	c->client = client;
	c->iommu_module = client->iommufd ? "iommufd" : "vfio_iommu_type1";
}

static int iommu_refs(const struct qemu_ctx *c, unsigned long long *refs)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", c->iommu_module);
	return vp_read_ull(path, refs);
}

/*
 * The QEMU of the client: 7.2 from PATH, with its own modules, or 10.0 from
 * VP_QEMU10_ROOT, which must load its modules and ROMs from there.
 */
static int find_qemu(struct qemu_ctx *c)
{
	const char *root = getenv("VP_QEMU10_ROOT");
	char moddir[PATH_MAX];

	if (!c->client->backport) {
		unsetenv("QEMU_MODULE_DIR");
		snprintf(c->bin, sizeof(c->bin), "%s", QEMU_BIN);
		if (in_path(QEMU_BIN))
			return 0;
		need_in_path(QEMU_BIN, "qemu-system-arm");
		return -ENOENT;
	}
	if (!root || !*root) {
		fprintf(stderr, "# VP_QEMU10_ROOT does not say where QEMU 10.0 is (deps.sh)\n");
		return -ENOENT;
	}
	snprintf(c->bin, sizeof(c->bin), "%s/usr/bin/%s", root, QEMU_BIN);
	snprintf(c->datadir, sizeof(c->datadir), "%s/usr/share/qemu", root);
	snprintf(moddir, sizeof(moddir), "%s" QEMU_MODULE_DIR, root);
	if (access(c->bin, X_OK) || access(moddir, R_OK)) {
		fprintf(stderr, "# no QEMU 10.0 in %s (deps.sh unpacks it)\n", root);
		return -ENOENT;
	}
	return setenv("QEMU_MODULE_DIR", moddir, 1) ? -errno : 0;
}

/* Everything up to a running QEMU with the device assigned. */
static int ctx_open(struct qemu_ctx *c, bool raise)
{
	struct sim_config cfg;
	unsigned int i;
	int ret;

	if (sim_missing()) {
		fprintf(stderr, "# %s\n", sim_missing());
		return -ENODEV;
	}
	if (!in_path(DTC_BIN)) {
		need_in_path(DTC_BIN, "device-tree-compiler");
		return -ENOENT;
	}
	ret = find_qemu(c);
	if (ret)
		return ret;

	sim_config_init(&cfg);
	cfg.num_regions = NUM_REGIONS;
	for (i = 0; i < NUM_REGIONS; i++)
		cfg.regions[i].size = region_size[i];
	cfg.num_irqs = NUM_IRQS;
	cfg.level[LEVEL] = true;
	/* No MSI window: the group needs no interrupt remapping. */
	ret = vp_save_and_set(&c->msi_window, SIM_KNOB("msi_window"), "none");
	if (!ret)
		ret = sim_create(&c->sim, &cfg);
	if (!ret)
		ret = vp_bind(c->sim.name, VFIO_PLATFORM_DRIVER);
	if (ret)
		return ret;
	c->group = vp_iommu_group(c->sim.name);
	if (c->group < 0)
		return c->group;
	ret = iommu_refs(c, &c->iommu_refs);
	if (ret)
		return ret;

	snprintf(c->dir, sizeof(c->dir), "/tmp/vfio-platform-qemu.XXXXXX");
	if (!mkdtemp(c->dir)) {
		c->dir[0] = '\0';
		return -errno;
	}
	for (i = 0; i < F_NUM; i++)
		snprintf(c->file[i], sizeof(c->file[i]), "%s/%s", c->dir,
			 qemu_file_names[i]);
	place_regions(c->region_addr);
	ret = make_dtb(c);
	if (!ret)
		ret = make_kernel(c, raise);
	if (!ret)
		ret = qemu_start(c);
	return ret;
}

/* The Linux interrupt behind line @line, from the simulator's debugfs. */
static int line_irq(struct qemu_ctx *c, unsigned int line, char *state,
		    size_t size)
{
	char path[256], buf[1024], *l, *save;
	unsigned int n, irq;

	snprintf(path, sizeof(path), "%s/devices/%s/irqs", SIM_DEBUGFS, c->sim.name);
	if (vp_read(path, buf, sizeof(buf)) < 0)
		return -1;
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (sscanf(l, "%u irq=%u", &n, &irq) == 2 && n == line) {
			if (state)
				snprintf(state, size, "%s", l);
			return irq;
		}
	return -1;
}

/*
 * How many times Linux interrupt @irq fired, if vfio-platform's handler of
 * line @line of the device is requested on it; -1 if not.
 */
static long long irq_count(struct qemu_ctx *c, int irq, unsigned int line)
{
	char want[96], buf[512], *p, *end;
	long long count = -1, v;
	FILE *f;
	int n;

	snprintf(want, sizeof(want), " vfio:%s:%u", c->sim.name, line);
	f = fopen("/proc/interrupts", "re");
	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f)) {
		if (sscanf(buf, " %d:", &n) != 1 || n != irq)
			continue;
		p = strchr(buf, '\n');
		if (p)
			*p = '\0';
		p = strstr(buf, want);
		if (!p || p[strlen(want)])
			break;
		count = 0;
		for (p = strchr(buf, ':') + 1;; p = end) {
			v = strtoll(p, &end, 10);
			if (end == p)
				break;
			count += v;
		}
		break;
	}
	fclose(f);
	return count;
}

/* Wait for line @line to have fired at least @n times. */
static long long wait_irq_count(struct qemu_ctx *c, int irq, unsigned int line,
				long long n)
{
	long long end = now_ms() + QEMU_CMD_MS, count;

	while ((count = irq_count(c, irq, line)) < n && now_ms() < end)
		sleep_ms(20);
	return count;
}

/*
 * Bytes of [@base, @base + @size) that paging domain @domain maps with at
 * least @prot; or -1.
 */
static long long domain_covers(long domain, __u64 base, __u64 size,
			       unsigned int prot)
{
	unsigned long long s, n, p, lo, hi;
	char path[256], line[256];
	long long covered = 0;
	unsigned int pr;
	FILE *f;

	snprintf(path, sizeof(path), "%s/iommu/domains/%ld", SIM_DEBUGFS, domain);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "iova=%llx size=%llx phys=%llx prot=%x",
			   &s, &n, &p, &pr) != 4 || (pr & prot) != prot)
			continue;
		lo = s > base ? s : base;
		hi = s + n < base + size ? s + n : base + size;
		if (lo < hi)
			covered += hi - lo;
	}
	fclose(f);
	return covered;
}

/*
 * Where info mtree, the monitor's last reply, shows region @index of the
 * device: the region itself, which traps accesses, or with @mmap the mapping
 * of the device's memory QEMU lays over it. QEMU names the region
 * "VFIO <device> region <index>\n" and the mapping after it, with
 * " mmaps[0]" appended; info mtree leaves out disabled regions.
 */
static int mtree_region(struct qemu_ctx *c, unsigned int index, bool mmap,
			__u64 *addr, __u64 *size)
{
	unsigned long long start, end;
	char want[160], *match, *l;
	size_t len;

	len = snprintf(want, sizeof(want), ", %s): VFIO %s region %u\r\n%s",
		       mmap ? "ramd" : "i/o", c->sim.name, index,
		       mmap ? " mmaps[0]\r\n" : "\r\n");
	for (match = c->reply; (match = strstr(match, want)); match += len) {
		/* Back to the start of the line, which has the addresses. */
		for (l = match; l > c->reply && l[-1] != '\n'; l--)
			;
		if (sscanf(l, " %llx-%llx (prio", &start, &end) != 2)
			continue;
		*addr = start;
		*size = end - start + 1;
		return 0;
	}
	return -ENOENT;
}

#define DT_SIM_NODE	"/sys/firmware/devicetree/base/vfio-platform-sim"

/*
 * Why this kernel cannot give QEMU a device, or NULL. QEMU's vfio-platform
 * reads the device's compatible from its device-tree node, which a kernel
 * without OF (Debian's amd64 kernel) never has. The simulator adds the
 * nodes with OF_DYNAMIC; without it (Debian's arm64 kernel) its devices
 * borrow the nodes the firmware's tree holds for them, which the test VM's
 * tree has (vm-run.sh).
 */
static const char *qemu_missing(const struct qemu_client *client)
{
	if (!vp_exists("/sys/firmware/devicetree"))
		return "no /sys/firmware/devicetree: without OF, no device-tree node for QEMU";
	if (!sim_missing() && !vp_exists(DT_SIM_NODE))
		return "no " DT_SIM_NODE ": no OF_DYNAMIC, nor the node in the firmware's tree";
	return client->iommufd ? iommufd_missing() : NULL;
}

FIXTURE(qemu) {
	struct qemu_ctx ctx;
};

FIXTURE_VARIANT(qemu) {
	struct qemu_client client;
};

FIXTURE_VARIANT_ADD(qemu, qemu7_container) {
};

FIXTURE_VARIANT_ADD(qemu, qemu10_container) {
	.client = { .backport = true },
};

FIXTURE_VARIANT_ADD(qemu, qemu10_iommufd) {
	.client = { .backport = true, .iommufd = true },
};

FIXTURE_SETUP(qemu)
{
	int ret;

	ctx_init(&self->ctx, &variant->client);
	if (qemu_missing(&variant->client))
		SKIP(return, "%s", qemu_missing(&variant->client));
	ret = ctx_open(&self->ctx, false);
	if (ret)
		ctx_close(&self->ctx);
	ASSERT_EQ(0, ret) TH_LOG("cannot start QEMU with %s assigned",
				 self->ctx.sim.name[0] ? self->ctx.sim.name : "a device");
}

FIXTURE_TEARDOWN(qemu)
{
	ctx_close(&self->ctx);
}

/*
 * QEMU made its vfio-platform device of the simulated one, and runs.
 *
 * This check and the ones below fail with EXPECT and return, so that a
 * failed one does not keep the later ones, above all what quit leaves
 * behind, from running; only a QEMU that is gone ends the test.
 */
static void check_realized(struct __test_metadata *_metadata,
			   struct qemu_ctx *c)
{
	char want[128];
	int status;

	EXPECT_EQ(0, mon_cmd(c, "info qtree"));
	snprintf(want, sizeof(want), "host = \"%s\"", c->sim.name);
	EXPECT_NE(NULL, strstr(c->reply ?: "", "dev: vfio-platform,"))
		TH_LOG("no vfio-platform device in info qtree:\n%s", c->reply);
	EXPECT_NE(NULL, strstr(c->reply ?: "", want))
		TH_LOG("no %s in info qtree", want);
	status = reap(c->pid, 0);
	if (status != -ETIMEDOUT)
		c->pid = 0;
	ASSERT_EQ(-ETIMEDOUT, status) TH_LOG("QEMU exited (wait status %#x)", status);
}

/* Cells as dtc writes them back: "<0x00 0x1000>". */
static void dt_cells(char *buf, size_t size, const unsigned long long *cells,
		     unsigned int n)
{
	size_t len = snprintf(buf, size, "<");
	unsigned int i;

	for (i = 0; i < n && len < size; i++)
		len += snprintf(buf + len, size - len, "%s0x%02llx", i ? " " : "",
				cells[i]);
	if (len < size)
		snprintf(buf + len, size - len, ">;");
}

/* The device tree the guest got, as QEMU keeps it, has the device's node. */
static void check_device_node(struct __test_metadata *_metadata,
			      struct qemu_ctx *c)
{
	unsigned long long reg[2 * NUM_REGIONS], irqs[3 * NUM_IRQS] = {
		DT_IRQ_SPI, PBUS_FIRST_SPI + LEVEL, DT_IRQ_LEVEL_HIGH,
		DT_IRQ_SPI, PBUS_FIRST_SPI + EDGE, DT_IRQ_EDGE_RISING,
	};
	struct cmdline to_dts = {};
	char cmd[160], want[160], *dts, *node, *end;
	unsigned int i;
	size_t len;
	int ret;

	snprintf(cmd, sizeof(cmd), "dumpdtb %s", c->file[F_LIVE_DTB]);
	ret = mon_cmd(c, cmd);
	EXPECT_EQ(0, ret);
	if (ret)
		return;
	cmdline_add(&to_dts, 9, DTC_BIN, "-q", "-I", "dtb", "-O", "dts", "-o",
		    c->file[F_LIVE_DTS], c->file[F_LIVE_DTB]);
	ret = run(&to_dts, c->file[F_TOOL_LOG], QEMU_CMD_MS);
	EXPECT_EQ(0, ret)
		TH_LOG("no device tree from the monitor's dumpdtb:\n%s", c->reply);
	if (!ret) {
		ret = read_whole(c->file[F_LIVE_DTS], &dts, &len);
		EXPECT_EQ(0, ret);
	}
	if (ret)
		return;

	snprintf(want, sizeof(want), "\t\tassigned@%llx {",
		 c->region_addr[0] - PBUS_BASE);
	node = strstr(dts, "\t" PBUS_NODE " {");
	node = node ? strstr(node, want) : NULL;
	end = node ? strstr(node, "};") : NULL;
	EXPECT_NE(NULL, end) TH_LOG("no %s under %s", want, PBUS_NODE);
	if (end) {
		*end = '\0';
		for (i = 0; i < NUM_REGIONS; i++) {
			reg[2 * i] = c->region_addr[i] - PBUS_BASE;
			reg[2 * i + 1] = region_size[i];
		}
		dt_cells(want, sizeof(want), reg, ARRAY_SIZE(reg));
		EXPECT_NE(NULL, strstr(node, want)) TH_LOG("no reg = %s in:\n%s", want, node);
		dt_cells(want, sizeof(want), irqs, ARRAY_SIZE(irqs));
		EXPECT_NE(NULL, strstr(node, want))
			TH_LOG("no interrupts = %s in:\n%s", want, node);
		EXPECT_NE(NULL, strstr(node, "compatible = \"")) TH_LOG("%s", node);
	}
	free(dts);
}

/* All guest RAM is mapped read-write in the device's domain. */
static void check_guest_ram(struct __test_metadata *_metadata,
			    struct qemu_ctx *c)
{
	unsigned long long refs;
	long domain;

	/* A container set to a type1 IOMMU, or /dev/iommu open, holds the module. */
	EXPECT_EQ(0, iommu_refs(c, &refs));
	EXPECT_EQ(c->iommu_refs + 1, refs) TH_LOG("%s", c->iommu_module);

	domain = sim_domain_id(c->sim.name);
	EXPECT_LT(0, domain) TH_LOG("%s is not in a paging domain", c->sim.name);
	if (domain <= 0)
		return;
	EXPECT_EQ((long long)GUEST_RAM_SIZE,
		  domain_covers(domain, GUEST_RAM_BASE, GUEST_RAM_SIZE, PROT_RW))
		TH_LOG("guest RAM is not all mapped read-write at %#llx in domain %ld",
		       GUEST_RAM_BASE, domain);
}

/* Each region is at its platform-bus address, and mmapped there for the guest. */
static void check_regions(struct __test_metadata *_metadata,
			  struct qemu_ctx *c)
{
	__u64 addr, size;
	unsigned int i;
	int ret;

	ret = mon_cmd(c, "info mtree");
	EXPECT_EQ(0, ret);
	for (i = 0; !ret && i < NUM_REGIONS; i++) {
		ret = mtree_region(c, i, false, &addr, &size);
		EXPECT_EQ(0, ret) TH_LOG("no region %u in info mtree:\n%s", i, c->reply);
		if (ret)
			break;
		EXPECT_EQ(c->region_addr[i], addr) TH_LOG("region %u", i);
		EXPECT_EQ(region_size[i], size) TH_LOG("region %u", i);
		/* The guest reaches the device directly, through QEMU's mmap. */
		ret = mtree_region(c, i, true, &addr, &size);
		EXPECT_EQ(0, ret) TH_LOG("region %u is not mmapped:\n%s", i, c->reply);
		if (ret)
			break;
		EXPECT_EQ(c->region_addr[i], addr) TH_LOG("mmap of region %u", i);
		EXPECT_EQ(region_size[i], size) TH_LOG("mmap of region %u", i);
	}
}

/* A trigger is set on every line, so vfio-platform's handler is requested. */
static void check_irq_eventfds(struct __test_metadata *_metadata,
			       struct qemu_ctx *c)
{
	char state[128];
	unsigned int i;
	int irq;

	for (i = 0; i < NUM_IRQS; i++) {
		irq = line_irq(c, i, state, sizeof(state));
		EXPECT_LE(0, irq) TH_LOG("line %u", i);
		if (irq < 0)
			continue;
		/* vfio-platform requests the interrupt when a trigger is set. */
		EXPECT_EQ(0, irq_count(c, irq, i))
			TH_LOG("no vfio-platform handler on line %u (irq %d)", i, irq);
		EXPECT_NE(NULL, strstr(state, " unmasked")) TH_LOG("%s", state);
	}
}

/* Quitting gives back the domain, the interrupts, the module reference and the group. */
static void check_quit(struct __test_metadata *_metadata,
		       struct qemu_ctx *c)
{
	unsigned long long refs;
	int status, group, irq[NUM_IRQS];
	long domain, after;
	unsigned int i;

	domain = sim_domain_id(c->sim.name);
	ASSERT_LT(0, domain);
	for (i = 0; i < NUM_IRQS; i++) {
		irq[i] = line_irq(c, i, NULL, 0);
		ASSERT_LE(0, irq_count(c, irq[i], i));
	}

	status = qemu_quit(c);
	ASSERT_LE(0, status);
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("QEMU's wait status %#x", status);

	EXPECT_FALSE(sim_domain_exists(domain)) TH_LOG("domain %ld outlived QEMU", domain);
	after = sim_domain_id(c->sim.name);
	EXPECT_TRUE(after == SIM_DOMAIN_IDENTITY || after == SIM_DOMAIN_BLOCKED)
		TH_LOG("%s is in domain %ld after QEMU", c->sim.name, after);
	for (i = 0; i < NUM_IRQS; i++) {
		EXPECT_EQ(-1, irq_count(c, irq[i], i))
			TH_LOG("line %u (irq %d) still requested", i, irq[i]);
	}
	ASSERT_EQ(0, iommu_refs(c, &refs));
	EXPECT_EQ(c->iommu_refs, refs) TH_LOG("%s", c->iommu_module);

	/* Nobody holds the group: it opens, and the device goes back to its driver. */
	group = vfio_group_open(c->group);
	ASSERT_LE(0, group);
	EXPECT_EQ(1, vfio_group_viable(group));
	close(group);
	EXPECT_EQ(0, sim_bind_host(c->sim.name));
}

/*
 * What a running QEMU shows of the device, checked in order on one QEMU per
 * client: each start costs tens of seconds inside the TCG test VMs, and
 * none of the checks changes what the next one sees. Quitting comes last.
 */
TEST_F_TIMEOUT(qemu, assigns_the_device_to_a_guest_and_gives_it_back,
	       QEMU_TEST_TIMEOUT)
{
	struct qemu_ctx *c = &self->ctx;

	check_realized(_metadata, c);
	check_device_node(_metadata, c);
	check_guest_ram(_metadata, c);
	check_regions(_metadata, c);
	check_irq_eventfds(_metadata, c);
	check_quit(_metadata, c);
}

/* The guest raises the device's level interrupt as it starts. */
FIXTURE(qemu_irq) {
	struct qemu_ctx ctx;
};

FIXTURE_VARIANT(qemu_irq) {
	struct qemu_client client;
};

FIXTURE_VARIANT_ADD(qemu_irq, qemu7_container) {
};

FIXTURE_VARIANT_ADD(qemu_irq, qemu10_container) {
	.client = { .backport = true },
};

FIXTURE_VARIANT_ADD(qemu_irq, qemu10_iommufd) {
	.client = { .backport = true, .iommufd = true },
};

FIXTURE_SETUP(qemu_irq)
{
	int ret;

	ctx_init(&self->ctx, &variant->client);
	if (qemu_missing(&variant->client))
		SKIP(return, "%s", qemu_missing(&variant->client));
	ret = ctx_open(&self->ctx, true);
	if (ret)
		ctx_close(&self->ctx);
	ASSERT_EQ(0, ret) TH_LOG("cannot start QEMU with %s assigned",
				 self->ctx.sim.name[0] ? self->ctx.sim.name : "a device");
}

FIXTURE_TEARDOWN(qemu_irq)
{
	ctx_close(&self->ctx);
}

/*
 * QEMU takes the interrupt from the eventfd, asserts the guest's line and
 * traps the device's memory until the guest's handler touches it (xp from
 * the monitor reads it too); the access ends the interrupt and unmasks the
 * line, which the device still asserts, so it fires again.
 */
TEST_F_TIMEOUT(qemu_irq, level_interrupt_is_forwarded_and_unmasked_on_access,
	       QEMU_TEST_TIMEOUT)
{
	char state[128], cmd[64];
	__u64 addr, size;
	int irq;

	irq = line_irq(&self->ctx, LEVEL, NULL, 0);
	ASSERT_LE(0, irq);
	ASSERT_EQ(1, wait_irq_count(&self->ctx, irq, LEVEL, 1))
		TH_LOG("the guest's raise never reached vfio-platform");
	ASSERT_LE(0, line_irq(&self->ctx, LEVEL, state, sizeof(state)));
	EXPECT_NE(NULL, strstr(state, " asserted masked")) TH_LOG("%s", state);

	/* QEMU handled the eventfd: it traps the device, its mmaps are off. */
	ASSERT_EQ(0, mon_cmd(&self->ctx, "info mtree"));
	EXPECT_EQ(0, mtree_region(&self->ctx, 0, false, &addr, &size));
	EXPECT_EQ(-ENOENT, mtree_region(&self->ctx, 0, true, &addr, &size))
		TH_LOG("QEMU did not trap the device after its interrupt:\n%s",
		       self->ctx.reply);
	EXPECT_EQ(1, irq_count(&self->ctx, irq, LEVEL)) TH_LOG("unmasked without an access");

	snprintf(cmd, sizeof(cmd), "xp /1wx 0x%llx", self->ctx.region_addr[0]);
	ASSERT_EQ(0, mon_cmd(&self->ctx, cmd));
	EXPECT_EQ(2, wait_irq_count(&self->ctx, irq, LEVEL, 2))
		TH_LOG("the access did not unmask the line");
	ASSERT_LE(0, line_irq(&self->ctx, LEVEL, state, sizeof(state)));
	EXPECT_NE(NULL, strstr(state, " asserted masked")) TH_LOG("%s", state);
}

TEST_HARNESS_MAIN
