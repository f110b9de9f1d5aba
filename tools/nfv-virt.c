/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv-virt: network functions in VMs managed by libvirt.  Defines a
 * persistent libvirt domain per NF VM (direct kernel boot of the guest image
 * that tools/nfv-vm builds, the ivshmem doorbell device on a trust domain's
 * attach socket, serial console to a file), starts, stops, undefines and
 * lists them, through libvirt's C API.  See docs/nfv-virt.1.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "nfv_region.h"
#include "nfv_render.h"
#include "nfv_virt_perm.h"
#include "nfv_virt_xml.h"

extern char **environ;

#define DEFAULT_URI "qemu:///system"
#define DEFAULT_RUN_DIR "/run/nfvisor"
#define DEFAULT_DOMAIN "default"
#define DEFAULT_CONSOLE_DIR "/var/log/nfvisor"
/* Debian's qemu.conf default user and group. */
#define DEFAULT_QEMU_USER "libvirt-qemu:libvirt-qemu"
#define DEFAULT_MEMORY_MB 512
#define MAX_ADDS 16

/* Exit statuses. */
enum {
    EXIT_OK = 0,                /* Done. */
    EXIT_FAIL = 1,              /* The operation failed. */
    EXIT_USAGE = 2,             /* Bad command line. */
    EXIT_NO_LIBVIRT = 3,        /* libvirtd could not be reached. */
};

static const char *uri = DEFAULT_URI;  /* --connect */

static const char usage_text[] =
"Usage: nfv-virt [--connect URI] COMMAND [OPTION]... [ARG]...\n"
"Run nfvisor network functions in VMs managed by libvirt.\n"
"\n"
"  define --name NAME [OPTION]... -- NF-COMMAND [ARG]...\n"
"                      define (or redefine) the persistent libvirt domain\n"
"                      nfv-NAME that boots the guest image of NF-COMMAND\n"
"                      attached to a trust domain of nfvisord\n"
"  start NAME          start it: QEMU attaches to the domain's socket\n"
"  stop NAME           power it off at once (virDomainDestroy)\n"
"  undefine [--force] NAME\n"
"                      remove its definition (--force: stop it first)\n"
"  list [--json]       the NF VMs nfv-virt defined, and their state\n"
"\n"
"define options:\n"
"  --name NAME         VM name: letters, digits, '.', '_', '-' (required)\n"
"  --domain NAME       trust domain (default " DEFAULT_DOMAIN "): the VM attaches\n"
"                      to RUN_DIR/NAME.sock\n"
"  --run-dir DIR       nfvisord's --run-dir (default " DEFAULT_RUN_DIR ")\n"
"  --socket PATH       attach socket, instead of RUN_DIR/DOMAIN.sock\n"
"  --accel A           kvm, tcg or auto (default auto: 'nfv-vm probe-accel'\n"
"                      decides; domain type 'kvm' or 'qemu')\n"
"  --memory MB         guest memory (default 512)\n"
"  --cpus N, --vcpus N vCPUs (default 1)\n"
"  --console FILE      serial console file (default\n"
"                      " DEFAULT_CONSOLE_DIR "/NAME.console)\n"
"  --qemu-user U:G     user and group QEMU runs as, names or +UID:+GID\n"
"                      (default " DEFAULT_QEMU_USER ")\n"
"  --add PROG          also put PROG in the guest (repeatable)\n"
"  --shell             NF-COMMAND is a command line for the guest's sh\n"
"  --append ARGS       extra kernel command line arguments\n"
"  --kernel VMLINUZ    guest kernel (default: nfv-vm's choice)\n"
"  --module KO         nfv_ivshmem.ko for that kernel\n"
"  --build-dir DIR     nfvisor build tree with the NF binaries\n"
"  --start             start the VM once defined\n"
"  --dump-xml          print the domain XML and exit; libvirt is not used\n"
"\n"
"Options:\n"
"  -c, --connect URI   libvirt URI (default " DEFAULT_URI ")\n"
"  -h, --help          this help (also after a command)\n"
"  -V, --version       print the version\n"
"\n"
"The guest image is built by nfv-vm image ($NFV_VM, default\n"
"the source tree's tools/nfv-vm).  Only domains carrying nfv-virt's\n"
"metadata are listed, started, stopped or undefined.\n"
"Exit status: 0 success, 1 failure, 2 usage error, 3 libvirt unreachable.\n";

static void
usage(void)
{
    fputs(usage_text, stdout);
}

/* "nfv-virt: MESSAGE" and @tail on stderr. */
static void
vreport(const char *tail, const char *format, va_list args)
{
    fputs("nfv-virt: ", stderr);
    vfprintf(stderr, format, args);
    fputs(tail, stderr);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *format, ...)
{
    va_list args;

    va_start(args, format);
    vreport("\nTry 'nfv-virt --help' for more information.\n", format, args);
    va_end(args);
    exit(EXIT_USAGE);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *format, ...)
{
    va_list args;

    va_start(args, format);
    vreport("\n", format, args);
    va_end(args);
    exit(EXIT_FAIL);
}

static void __attribute__((format(printf, 1, 2)))
note(const char *format, ...)
{
    va_list args;

    va_start(args, format);
    vreport("\n", format, args);
    va_end(args);
}

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Parses a number in [min, max] or exits with a usage error. */
static unsigned int
parse_uint(const char *opt, const char *text, unsigned int min, unsigned int max)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(text, &end, 10);
    if (errno || end == text || *end || v < min || v > max) {
        usage_error("%s: expected a number %u..%u, not '%s'", opt, min, max, text);
    }
    return v;
}

/* Returns 'path' made absolute (lexically, it need not exist); free() it. */
static char *
absolute(const char *path)
{
    char cwd[PATH_MAX];
    struct nfv_buf b = { 0 };

    if (path[0] == '/') {
        nfv_buf_printf(&b, "%s", path);
    } else if (getcwd(cwd, sizeof cwd)) {
        nfv_buf_printf(&b, "%s/%s", cwd, path);
    } else {
        die("cannot tell the current directory: %s", strerror(errno));
    }
    if (b.err) {
        die("out of memory");
    }
    return b.data;
}

/* ---- libvirt ---- */

/* libvirt would print every error; nfv-virt reports the ones that matter. */
static void
quiet_errors(void *data, virErrorPtr err)
{
    (void) data;
    (void) err;
}

static virConnectPtr
connect_libvirt(void)
{
    virConnectPtr conn = virConnectOpen(uri);

    if (!conn) {
        fprintf(stderr, "nfv-virt: cannot connect to libvirt at %s: %s\n"
                "nfv-virt: is libvirtd running? (as root: virtlogd -d; "
                "libvirtd -d, or systemctl start libvirtd)\n",
                uri, virGetLastErrorMessage());
        exit(EXIT_NO_LIBVIRT);
    }
    return conn;
}

/* Returns our metadata element of 'dom' (free() it), or NULL if the domain
 * is not one nfv-virt defined. */
static char *
our_metadata(virDomainPtr dom)
{
    return virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT,
                                NFV_VIRT_XMLNS, 0);
}

/* Returns attribute 'name' of metadata 'meta', or "" (free() it). */
static char *
meta_attr(const char *meta, const char *name)
{
    char *v = nfv_xml_attr(meta, name);

    return v ? v : strdup("");
}

/* Looks up NF VM 'name' (libvirt domain nfv-NAME); exits unless it exists
 * and carries our metadata, which goes to '*meta'. */
static virDomainPtr
lookup_vm(virConnectPtr conn, const char *name, char **meta)
{
    char lvname[sizeof NFV_VIRT_PREFIX + NFV_VIRT_NAME_MAX];
    virDomainPtr dom;

    if (nfv_virt_name_check(name)) {
        usage_error("'%s' is not an NF VM name", name);
    }
    snprintf(lvname, sizeof lvname, NFV_VIRT_PREFIX "%s", name);
    dom = virDomainLookupByName(conn, lvname);
    if (!dom) {
        die("no NF VM '%s' (libvirt domain %s): see 'nfv-virt list'", name, lvname);
    }
    *meta = our_metadata(dom);
    if (!*meta) {
        die("libvirt domain %s was not defined by nfv-virt: not touched", lvname);
    }
    return dom;
}

static const char *
state_name(int state)
{
    switch (state) {
    case VIR_DOMAIN_RUNNING: return "running";
    case VIR_DOMAIN_BLOCKED: return "blocked";
    case VIR_DOMAIN_PAUSED: return "paused";
    case VIR_DOMAIN_SHUTDOWN: return "shutting-down";
    case VIR_DOMAIN_SHUTOFF: return "shut-off";
    case VIR_DOMAIN_CRASHED: return "crashed";
    case VIR_DOMAIN_PMSUSPENDED: return "suspended";
    default: return "unknown";
    }
}

/* ---- The nfv-vm helper ---- */

/* Runs 'argv', its stdout into 'out' (stderr passes through); returns its
 * exit status, or exits if it cannot be run. */
static int
run_helper(char *const argv[], struct nfv_buf *out)
{
    posix_spawn_file_actions_t fa;
    int pfd[2], status;
    char chunk[4096];
    ssize_t n;
    pid_t pid;

    if (pipe2(pfd, O_CLOEXEC) < 0) {
        die("pipe: %s", strerror(errno));
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    errno = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pfd[1]);
    if (errno) {
        die("cannot run %s: %s (set NFV_VM to tools/nfv-vm of an nfvisor tree)",
            argv[0], strerror(errno));
    }
    while ((n = read(pfd[0], chunk, sizeof chunk - 1)) != 0) {
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("reading from %s: %s", argv[0], strerror(errno));
        }
        chunk[n] = '\0';
        nfv_buf_printf(out, "%s", chunk);
    }
    close(pfd[0]);
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            die("waitpid: %s", strerror(errno));
        }
    }
    if (out->err) {
        die("out of memory");
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* What define asks of nfv-vm. */
struct image_opts {
    const char *build_dir;      /* --build-dir, or NULL. */
    const char *kernel;         /* --kernel, or NULL. */
    const char *module;         /* --module, or NULL. */
    const char *adds[MAX_ADDS]; /* --add. */
    int nadds;
    bool shell;                 /* --shell. */
};

/* Starts an nfv-vm command line in 'argv': helper, COMMAND, common options. */
static int
helper_argv(const char **argv, const char *command, const struct image_opts *io)
{
    const char *helper = getenv("NFV_VM");
    int n = 0;

    argv[n++] = helper && *helper ? helper : NFV_VM_HELPER;
    argv[n++] = command;
    if (io->build_dir) {
        argv[n++] = "--build-dir";
        argv[n++] = io->build_dir;
    } else if (!getenv("NFV_BUILD_DIR") && access(NFV_BUILD_TREE, F_OK) == 0) {
        argv[n++] = "--build-dir";
        argv[n++] = NFV_BUILD_TREE;     /* The tree nfv-virt was built in. */
    }
    if (io->kernel) {
        argv[n++] = "--kernel";
        argv[n++] = io->kernel;
    }
    if (io->module) {
        argv[n++] = "--module";
        argv[n++] = io->module;
    }
    return n;
}

/* Returns the value of line "KEY: VALUE" in 'text' (free() it), or NULL.
 * With 'to_end', VALUE runs to the end of the text (minus one newline). */
static char *
helper_field(const char *text, const char *key, bool to_end)
{
    size_t klen = strlen(key);
    const char *p = text;

    while (p && *p) {
        if (!strncmp(p, key, klen) && p[klen] == ':' && p[klen + 1] == ' ') {
            const char *v = p + klen + 2;
            size_t len = to_end ? strlen(v) : strcspn(v, "\n");

            if (to_end && len && v[len - 1] == '\n') {
                len--;
            }
            return strndup(v, len);
        }
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return NULL;
}

/* Builds (or finds) the guest image for 'nf'; sets kernel, initrd and the
 * command the guest runs. */
static void
build_image(const struct image_opts *io, char **nf, int nnf,
            char **kernel, char **initrd, char **guest_cmd)
{
    const char *argv[16 + 2 * MAX_ADDS + 256];
    struct nfv_buf out = { 0 };
    char real[PATH_MAX];
    int n, i, rc;

    if (nnf > 255) {
        usage_error("the NF command has too many words");
    }
    n = helper_argv(argv, "image", io);
    for (i = 0; i < io->nadds; i++) {
        argv[n++] = "--add";
        argv[n++] = io->adds[i];
    }
    if (io->shell) {
        argv[n++] = "--shell";
    }
    argv[n++] = "--";
    for (i = 0; i < nnf; i++) {
        argv[n++] = nf[i];
    }
    argv[n] = NULL;
    rc = run_helper((char *const *) argv, &out);
    if (rc) {
        die("%s image failed (exit status %d): no guest image", argv[0], rc);
    }
    *kernel = helper_field(out.data, "kernel", false);
    *initrd = helper_field(out.data, "initramfs", false);
    *guest_cmd = helper_field(out.data, "guest command", true);
    if (!*kernel || !*initrd || !*guest_cmd) {
        die("%s image printed no kernel, initramfs and guest command:\n%s",
            argv[0], out.data ? out.data : "");
    }
    nfv_buf_free(&out);
    /* QEMU resolves nothing relative to our directory. */
    if (!realpath(*kernel, real)) {
        die("guest kernel %s: %s", *kernel, strerror(errno));
    }
    free(*kernel);
    *kernel = strdup(real);
    if (!realpath(*initrd, real)) {
        die("guest image %s: %s", *initrd, strerror(errno));
    }
    free(*initrd);
    *initrd = strdup(real);
    if (!*kernel || !*initrd) {
        die("out of memory");
    }
}

/* Resolves --accel auto with 'nfv-vm probe-accel'; returns "kvm" or "tcg". */
static const char *
probe_accel(const struct image_opts *io, const char *kernel)
{
    struct image_opts pio = *io;
    const char *argv[16];
    struct nfv_buf out = { 0 };
    const char *accel;
    int n, rc;

    pio.kernel = kernel;        /* Probe the kernel the VM boots. */
    n = helper_argv(argv, "probe-accel", &pio);
    argv[n] = NULL;
    rc = run_helper((char *const *) argv, &out);
    if (rc || !out.data) {
        die("%s probe-accel failed (exit status %d): give --accel kvm or tcg",
            argv[0], rc);
    }
    if (!strncmp(out.data, "kvm:", 4)) {
        accel = "kvm";
    } else if (!strncmp(out.data, "tcg:", 4)) {
        accel = "tcg";
        out.data[strcspn(out.data, "\n")] = '\0';
        note("accel auto: using TCG (domain type 'qemu'): %s", out.data + 5);
    } else {
        die("%s probe-accel printed '%s', not 'kvm: ...' or 'tcg: ...'",
            argv[0], out.data);
    }
    nfv_buf_free(&out);
    return accel;
}

/* The NF command as a shell would show it, for people. */
static char *
join_command(char **argv, int argc)
{
    struct nfv_buf b = { 0 };
    int i;

    for (i = 0; i < argc; i++) {
        const char *a = argv[i], *p;

        if (i) {
            nfv_buf_printf(&b, " ");
        }
        if (*a && strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                            "0123456789-_./=:,+@%") == strlen(a)) {
            nfv_buf_printf(&b, "%s", a);
            continue;
        }
        nfv_buf_printf(&b, "'");
        for (p = a; *p; p++) {
            nfv_buf_printf(&b, *p == '\'' ? "'\\''" : "%c", *p);
        }
        nfv_buf_printf(&b, "'");
    }
    if (b.err) {
        die("out of memory");
    }
    return b.data ? b.data : strdup("");
}

/* ---- Permissions as QEMU sees them ---- */

/* Warns if QEMU running as 'label' may not open 'path' with 'want'. */
static bool
check_qemu_access(const char *label, const char *path, int want, const char *what)
{
    struct nfv_qemu_cred cred;
    char why[PATH_MAX + 128];
    int ret = nfv_qemu_cred_parse(label, &cred);

    if (ret) {
        note("warning: cannot resolve QEMU's user and group '%s': %s",
             label, ret == -ENOENT ? "no such user or group" : "expected USER:GROUP");
        return false;
    }
    ret = nfv_qemu_access(&cred, path, want, why, sizeof why);
    if (ret == -EACCES) {
        note("warning: QEMU (%s) cannot %s %s: %s", label,
             want & W_OK ? "connect to" : "read", what, why);
        return false;
    }
    if (ret) {
        note("warning: %s %s: %s", what, path, strerror(-ret));
        return false;
    }
    return true;
}

static void
socket_access_hint(const char *label)
{
    static bool given;
    const char *colon = strchr(label, ':');

    if (given) {
        return;
    }
    given = true;
    note("hint: start nfvisord with --socket-group %s, which makes the attach "
         "sockets mode 0660 of that group", colon ? colon + 1 : label);
}

/* ---- Commands ---- */

/* Starts 'dom' (metadata 'meta'); returns an exit status.  'checked_socket':
 * QEMU's access to the socket was checked already (define --start). */
static int
start_vm(virDomainPtr dom, const char *name, const char *meta, bool checked_socket)
{
    char *sock = meta_attr(meta, "socket");
    char *console = meta_attr(meta, "console");
    char *label = meta_attr(meta, "qemu-user");
    char *accel = meta_attr(meta, "accel");
    struct stat st;
    double t0;
    int ret = EXIT_OK;

    if (virDomainIsActive(dom) == 1) {
        note("%s is already running", name);
        goto out;
    }
    if (stat(sock, &st) < 0) {
        die("%s: %s: is nfvisord running, with this trust domain? (its attach "
            "sockets are RUN_DIR/DOMAIN.sock; see 'nfvctl domain list')", sock,
            errno == ENOENT ? "no such socket" : strerror(errno));
    }
    if (!S_ISSOCK(st.st_mode)) {
        die("%s is not a socket: give the trust domain's attach socket", sock);
    }
    if (*label && !checked_socket
        && !check_qemu_access(label, sock, W_OK, "the attach socket")) {
        socket_access_hint(label);
    }
    t0 = now_s();
    if (virDomainCreate(dom) < 0) {
        const char *msg = virGetLastErrorMessage();

        note("cannot start %s: %s", name, msg);
        if (strstr(msg, "Permission denied") && *label) {
            socket_access_hint(label);
        }
        ret = EXIT_FAIL;
        goto out;
    }
    printf("nfv-virt: started %s (libvirt domain %s, id %u, %s) in %.1f s: "
           "attached to %s, console %s\n", name, virDomainGetName(dom),
           virDomainGetID(dom), accel, now_s() - t0, sock, console);
out:
    free(sock);
    free(console);
    free(label);
    free(accel);
    return ret;
}

/* Returns the domain XML of 'spec', or exits. */
static char *
build_xml(const struct nfv_vm_spec *spec)
{
    char *xml = nfv_vm_xml(spec);

    if (!xml && errno == EILSEQ) {
        die("a value is not valid UTF-8 or holds a control character XML "
            "cannot carry");
    } else if (!xml) {
        die("cannot build the domain XML: %s", strerror(errno));
    }
    return xml;
}

/* If NF VM 'name' is defined, puts its UUID in 'uuid' (so that the new
 * definition replaces it) and returns true; exits if the libvirt name is
 * taken by a domain nfv-virt did not define. */
static bool
existing_uuid(virConnectPtr conn, const char *name, char *uuid)
{
    char lvname[sizeof NFV_VIRT_PREFIX + NFV_VIRT_NAME_MAX];
    virDomainPtr dom;
    char *meta;
    bool found;

    snprintf(lvname, sizeof lvname, NFV_VIRT_PREFIX "%s", name);
    dom = virDomainLookupByName(conn, lvname);
    if (!dom) {
        return false;
    }
    meta = our_metadata(dom);
    if (!meta) {
        die("libvirt domain %s exists and was not defined by nfv-virt: pick "
            "another --name", lvname);
    }
    free(meta);
    found = virDomainGetUUIDString(dom, uuid) == 0;
    if (virDomainIsActive(dom) == 1) {
        note("%s is running: the new definition applies from its next start", name);
    }
    virDomainFree(dom);
    return found;
}

/* Creates the directory of 'path' (one level, mode 0755) if missing. */
static void
make_parent_dir(const char *path)
{
    char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;

    if (slash && slash != dir) {
        *slash = '\0';
        if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
            die("cannot create %s: %s", dir, strerror(errno));
        }
    }
    free(dir);
}

static int
cmd_define(int argc, char **argv)
{
    enum { OPT_NAME = 256, OPT_DOMAIN, OPT_RUN_DIR, OPT_SOCKET, OPT_ACCEL, OPT_MEMORY,
           OPT_CPUS, OPT_CONSOLE, OPT_QEMU_USER, OPT_ADD, OPT_SHELL, OPT_APPEND, OPT_KERNEL,
           OPT_MODULE, OPT_BUILD_DIR, OPT_START, OPT_DUMP };
    static const struct option longopts[] = {
        { "name", required_argument, NULL, OPT_NAME },
        { "domain", required_argument, NULL, OPT_DOMAIN },
        { "run-dir", required_argument, NULL, OPT_RUN_DIR },
        { "socket", required_argument, NULL, OPT_SOCKET },
        { "accel", required_argument, NULL, OPT_ACCEL },
        { "memory", required_argument, NULL, OPT_MEMORY },
        { "cpus", required_argument, NULL, OPT_CPUS },
        { "vcpus", required_argument, NULL, OPT_CPUS },
        { "console", required_argument, NULL, OPT_CONSOLE },
        { "qemu-user", required_argument, NULL, OPT_QEMU_USER },
        { "add", required_argument, NULL, OPT_ADD },
        { "shell", no_argument, NULL, OPT_SHELL },
        { "append", required_argument, NULL, OPT_APPEND },
        { "kernel", required_argument, NULL, OPT_KERNEL },
        { "module", required_argument, NULL, OPT_MODULE },
        { "build-dir", required_argument, NULL, OPT_BUILD_DIR },
        { "start", no_argument, NULL, OPT_START },
        { "dump-xml", no_argument, NULL, OPT_DUMP },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct image_opts io = { 0 };
    struct nfv_vm_spec spec = {
        .domain = DEFAULT_DOMAIN,
        .accel = "auto",
        .memory_mb = DEFAULT_MEMORY_MB,
        .cpus = 1,
        .vectors = NFV_VECTORS,     /* NetLib's data and control doorbells. */
        .qemu_label = DEFAULT_QEMU_USER,
    };
    const char *run_dir = DEFAULT_RUN_DIR, *socket_opt = NULL, *console_opt = NULL;
    const char *append = NULL;
    char *kernel, *initrd, *guest_cmd, *cmdline, *xml, *sock, *console, *nf;
    char uuid[VIR_UUID_STRING_BUFLEN];
    bool start = false, dump = false;
    virConnectPtr conn;
    virDomainPtr dom;
    double t0;
    int c, ret;

    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_NAME: spec.name = optarg; break;
        case OPT_DOMAIN: spec.domain = optarg; break;
        case OPT_RUN_DIR: run_dir = optarg; break;
        case OPT_SOCKET: socket_opt = optarg; break;
        case OPT_ACCEL: spec.accel = optarg; break;
        case OPT_MEMORY: spec.memory_mb = parse_uint("--memory", optarg, 64, 1 << 20); break;
        case OPT_CPUS: spec.cpus = parse_uint("--cpus", optarg, 1, 256); break;
        case OPT_CONSOLE: console_opt = optarg; break;
        case OPT_QEMU_USER: spec.qemu_label = optarg; break;
        case OPT_ADD:
            if (io.nadds == MAX_ADDS) {
                usage_error("--add: at most %d programs", MAX_ADDS);
            }
            io.adds[io.nadds++] = optarg;
            break;
        case OPT_SHELL: io.shell = true; break;
        case OPT_APPEND: append = optarg; break;
        case OPT_KERNEL: io.kernel = optarg; break;
        case OPT_MODULE: io.module = optarg; break;
        case OPT_BUILD_DIR: io.build_dir = optarg; break;
        case OPT_START: start = true; break;
        case OPT_DUMP: dump = true; break;
        case 'h':
            usage();
            return EXIT_OK;
        case ':':
            usage_error("define: option '%s' needs a value", argv[optind - 1]);
        default:
            usage_error("define: unknown option '%s'", argv[optind - 1]);
        }
    }
    if (!spec.name) {
        usage_error("define: --name NAME is required");
    }
    if (nfv_virt_name_check(spec.name)) {
        usage_error("--name: 1..%d letters, digits, '.', '_' and '-', not "
                    "starting with '.' or '-'", NFV_VIRT_NAME_MAX);
    }
    if (nfv_virt_domain_check(spec.domain)) {
        usage_error("--domain: 1..31 letters, digits, '_' and '-'");
    }
    if (strcmp(spec.accel, "kvm") && strcmp(spec.accel, "tcg") && strcmp(spec.accel, "auto")) {
        usage_error("--accel: expected kvm, tcg or auto, not '%s'", spec.accel);
    }
    if (!strchr(spec.qemu_label, ':')) {
        usage_error("--qemu-user: expected USER:GROUP, e.g. %s", DEFAULT_QEMU_USER);
    }
    if (start && dump) {
        usage_error("--start and --dump-xml exclude each other");
    }
    if (optind >= argc || strcmp(argv[optind - 1], "--")) {
        usage_error("define: no NF command (add: -- nfv-fwd --socket "
                    "/dev/nfv_ivshmem0 --service 1)");
    }

    if (socket_opt) {
        sock = absolute(socket_opt);
    } else {
        struct nfv_buf b = { 0 };

        nfv_buf_printf(&b, "%s/%s.sock", run_dir, spec.domain);
        sock = absolute(b.data ? b.data : "");
        nfv_buf_free(&b);
    }
    if (console_opt) {
        console = absolute(console_opt);
    } else {
        struct nfv_buf b = { 0 };

        nfv_buf_printf(&b, DEFAULT_CONSOLE_DIR "/%s.console", spec.name);
        console = absolute(b.data ? b.data : "");
        nfv_buf_free(&b);
    }
    spec.socket = sock;
    spec.console = console;

    t0 = now_s();
    build_image(&io, argv + optind, argc - optind, &kernel, &initrd, &guest_cmd);
    if (!strcmp(spec.accel, "auto")) {
        spec.accel = probe_accel(&io, kernel);
    }
    cmdline = nfv_virt_cmdline(guest_cmd, append);
    if (!cmdline && errno == E2BIG) {
        die("the NF command is too long for the kernel command line (at most "
            "%d characters with --append)", NFV_VIRT_CMDLINE_MAX);
    } else if (!cmdline) {
        die("out of memory");
    }
    nf = join_command(argv + optind, argc - optind);
    spec.kernel = kernel;
    spec.initrd = initrd;
    spec.cmdline = cmdline;
    spec.nf = nf;

    if (dump) {
        xml = build_xml(&spec);
        fputs(xml, stdout);
        ret = EXIT_OK;
        goto out;
    }

    conn = connect_libvirt();
    if (existing_uuid(conn, spec.name, uuid)) {
        spec.uuid = uuid;
    }
    xml = build_xml(&spec);
    /* Let the operator know now what would make QEMU fail at start. */
    check_qemu_access(spec.qemu_label, kernel, R_OK, "the guest kernel");
    check_qemu_access(spec.qemu_label, initrd, R_OK, "the guest image");
    if (access(sock, F_OK) == 0) {
        if (!check_qemu_access(spec.qemu_label, sock, W_OK, "the attach socket")) {
            socket_access_hint(spec.qemu_label);
        }
    } else {
        note("%s does not exist yet: start nfvisord before 'nfv-virt start %s'",
             sock, spec.name);
    }
    make_parent_dir(console);

    dom = virDomainDefineXML(conn, xml);
    if (!dom) {
        die("libvirt refused the definition of %s: %s", spec.name,
            virGetLastErrorMessage());
    }
    printf("nfv-virt: defined %s (libvirt domain %s) in %.1f s: %s, domain %s "
           "(%s), console %s\n", spec.name, virDomainGetName(dom),
           now_s() - t0, spec.accel, spec.domain, sock, console);
    ret = EXIT_OK;
    if (start) {
        char *meta = our_metadata(dom);

        ret = meta ? start_vm(dom, spec.name, meta, true) : EXIT_FAIL;
        free(meta);
    }
    virDomainFree(dom);
    virConnectClose(conn);
out:
    free(xml);
    free(kernel);
    free(initrd);
    free(guest_cmd);
    free(cmdline);
    free(nf);
    free(sock);
    free(console);
    return ret;
}

/* Parses "COMMAND [--force] [--help] NAME"; returns NAME. */
static const char *
parse_name_command(int argc, char **argv, const char *synopsis, bool *force)
{
    static const struct option longopts[] = {
        { "force", no_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
        if (c == 'h') {
            printf("Usage: nfv-virt [--connect URI] %s\n"
                   "See 'nfv-virt --help' for every command.\n", synopsis);
            exit(EXIT_OK);
        } else if (c == 'f' && force) {
            *force = true;
        } else {
            usage_error("%s: unknown option '%s'", argv[0], argv[optind - 1]);
        }
    }
    if (argc - optind != 1) {
        usage_error("usage: nfv-virt %s", synopsis);
    }
    return argv[optind];
}

static int
cmd_start(int argc, char **argv)
{
    const char *name = parse_name_command(argc, argv, "start NAME", NULL);
    virConnectPtr conn = connect_libvirt();
    char *meta;
    virDomainPtr dom = lookup_vm(conn, name, &meta);
    int ret = start_vm(dom, name, meta, false);

    free(meta);
    virDomainFree(dom);
    virConnectClose(conn);
    return ret;
}

static int
cmd_stop(int argc, char **argv)
{
    const char *name = parse_name_command(argc, argv, "stop NAME", NULL);
    virConnectPtr conn = connect_libvirt();
    char *meta;
    virDomainPtr dom = lookup_vm(conn, name, &meta);
    int ret = EXIT_OK;

    if (virDomainIsActive(dom) != 1) {
        note("%s is not running", name);
    } else if (virDomainDestroy(dom) < 0) {
        note("cannot stop %s: %s", name, virGetLastErrorMessage());
        ret = EXIT_FAIL;
    } else {
        printf("nfv-virt: stopped %s\n", name);
    }
    free(meta);
    virDomainFree(dom);
    virConnectClose(conn);
    return ret;
}

static int
cmd_undefine(int argc, char **argv)
{
    bool force = false;
    const char *name = parse_name_command(argc, argv, "undefine [--force] NAME", &force);
    virConnectPtr conn = connect_libvirt();
    char *meta;
    virDomainPtr dom = lookup_vm(conn, name, &meta);
    int ret = EXIT_FAIL;

    if (virDomainIsActive(dom) == 1) {
        if (!force) {
            note("%s is running: stop it first, or give --force", name);
            goto out;
        }
        if (virDomainDestroy(dom) < 0) {
            note("cannot stop %s: %s", name, virGetLastErrorMessage());
            goto out;
        }
    }
    if (virDomainUndefine(dom) < 0) {
        note("cannot undefine %s: %s", name, virGetLastErrorMessage());
        goto out;
    }
    printf("nfv-virt: undefined %s\n", name);
    ret = EXIT_OK;
out:
    free(meta);
    virDomainFree(dom);
    virConnectClose(conn);
    return ret;
}

/* Sets member 'key' of 'obj' to string 'value' (valid UTF-8 from libvirt). */
static void
set_str(json_t *obj, const char *key, const char *value)
{
    json_t *s = json_string(value);

    json_object_set_new(obj, key, s ? s : json_string("?"));
}

static int
cmd_list(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    json_t *vms = json_array(), *rows = json_array(), *result;
    virDomainPtr *doms = NULL;
    virConnectPtr conn;
    bool json = false;
    int c, i, n, ret = EXIT_OK;

    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:jh", longopts, NULL)) != -1) {
        if (c == 'h') {
            printf("Usage: nfv-virt [--connect URI] list [--json]\n"
                   "List the NF VMs nfv-virt defined: name, state, libvirt id,\n"
                   "trust domain, attach socket, accelerator and NF command\n"
                   "(--json: also the libvirt name, console file and QEMU's user).\n");
            return EXIT_OK;
        } else if (c == 'j') {
            json = true;
        } else {
            usage_error("list: unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc) {
        usage_error("list: unexpected argument '%s'", argv[optind]);
    }
    conn = connect_libvirt();
    n = virConnectListAllDomains(conn, &doms, 0);
    if (n < 0) {
        die("cannot list libvirt domains: %s", virGetLastErrorMessage());
    }
    for (i = 0; i < n; i++) {
        char *meta = our_metadata(doms[i]);
        json_t *vm, *row;
        int state = VIR_DOMAIN_NOSTATE, reason;
        /* Metadata attributes; the first 'ntable' are also in the table. */
        static const char *const attrs[] = {
            "domain", "socket", "accel", "nf", "console", "qemu-user",
        };
        static const char *const keys[] = {
            "domain", "socket", "accel", "nf", "console", "qemu_user",
        };
        const size_t ntable = 4;
        size_t a;

        if (meta) {
            char *name = meta_attr(meta, "name");
            bool active = virDomainIsActive(doms[i]) == 1;

            virDomainGetState(doms[i], &state, &reason, 0);
            vm = json_object();
            row = json_object();
            set_str(vm, "name", name);
            set_str(row, "name", name);
            set_str(vm, "libvirt_name", virDomainGetName(doms[i]));
            set_str(vm, "state", state_name(state));
            set_str(row, "state", state_name(state));
            json_object_set_new(vm, "id", active ? json_integer(virDomainGetID(doms[i]))
                                                 : json_null());
            json_object_set_new(row, "id", active ? json_integer(virDomainGetID(doms[i]))
                                                  : json_null());
            for (a = 0; a < sizeof attrs / sizeof attrs[0]; a++) {
                char *v = meta_attr(meta, attrs[a]);

                set_str(vm, keys[a], v);
                if (a < ntable) {
                    set_str(row, keys[a], v);
                }
                free(v);
            }
            json_array_append_new(vms, vm);
            json_array_append_new(rows, row);
            free(name);
            free(meta);
        }
        virDomainFree(doms[i]);
    }
    free(doms);
    virConnectClose(conn);
    if (json) {
        result = json_pack("{s:o}", "vms", vms);
        json_decref(rows);
        if (!result || json_dumpf(result, stdout, JSON_INDENT(2)) < 0) {
            ret = EXIT_FAIL;
        }
        putchar('\n');
    } else {
        result = json_pack("{s:o}", "vms", rows);
        json_decref(vms);
        if (!result || nfv_render(stdout, result) < 0) {
            ret = EXIT_FAIL;
        }
    }
    json_decref(result);
    return ret;
}

int
main(int argc, char *argv[])
{
    static const struct option longopts[] = {
        { "connect", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } commands[] = {
        { "define", cmd_define },
        { "start", cmd_start },
        { "stop", cmd_stop },
        { "undefine", cmd_undefine },
        { "list", cmd_list },
    };
    size_t i;
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:c:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            uri = optarg;
            break;
        case 'h':
            usage();
            return EXIT_OK;
        case 'V':
            printf("nfv-virt (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
            return EXIT_OK;
        case ':':
            usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        usage_error("no command given (define, start, stop, undefine or list)");
    }
    virSetErrorFunc(NULL, quiet_errors);
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (!strcmp(argv[optind], commands[i].name)) {
            return commands[i].run(argc - optind, argv + optind);
        }
    }
    if (!strcmp(argv[optind], "help")) {
        usage();
        return EXIT_OK;
    }
    usage_error("unknown command '%s'", argv[optind]);
}
