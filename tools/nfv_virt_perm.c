/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv_virt_perm.c - whether QEMU's user may open a file.  See
 * nfv_virt_perm.h.
 */
#include <config.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nfv_virt_perm.h"

/* Parses "+N" or a user (group) name into '*id'; -EINVAL or -ENOENT. */
static int
parse_id(const char *text, size_t len, int is_user, unsigned long *id)
{
    char buf[256], *end;

    if (len == 0 || len >= sizeof buf) {
        return -EINVAL;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (buf[0] == '+') {
        errno = 0;
        *id = strtoul(buf + 1, &end, 10);
        return errno || end == buf + 1 || *end || *id >= 0xffffffffUL
               ? -EINVAL : 0;
    }
    if (is_user) {
        struct passwd *pw = getpwnam(buf);

        if (!pw) {
            return -ENOENT;
        }
        *id = pw->pw_uid;
    } else {
        struct group *gr = getgrnam(buf);

        if (!gr) {
            return -ENOENT;
        }
        *id = gr->gr_gid;
    }
    return 0;
}

int
nfv_qemu_cred_parse(const char *label, struct nfv_qemu_cred *cred)
{
    const char *colon = strchr(label, ':');
    unsigned long uid, gid;
    struct passwd *pw;
    int ret;

    memset(cred, 0, sizeof *cred);
    if (!colon) {
        return -EINVAL;
    }
    ret = parse_id(label, colon - label, 1, &uid);
    if (!ret) {
        ret = parse_id(colon + 1, strlen(colon + 1), 0, &gid);
    }
    if (ret) {
        return ret;
    }
    cred->uid = uid;
    cred->gid = gid;
    pw = getpwuid(cred->uid);
    if (pw) {
        int n = NFV_QEMU_GROUPS_MAX;

        if (getgrouplist(pw->pw_name, cred->gid, cred->groups, &n) < 0) {
            n = NFV_QEMU_GROUPS_MAX;    /* Truncated: the first ones. */
        }
        cred->ngroups = n;
    }
    return 0;
}

/* Whether 'cred' is in group 'gid'. */
static int
in_group(const struct nfv_qemu_cred *cred, gid_t gid)
{
    int i;

    if (cred->gid == gid) {
        return 1;
    }
    for (i = 0; i < cred->ngroups; i++) {
        if (cred->groups[i] == gid) {
            return 1;
        }
    }
    return 0;
}

/* The permission bits (r=4, w=2, x=1) 'cred' has on 'st'. */
static int
perms(const struct nfv_qemu_cred *cred, const struct stat *st)
{
    if (cred->uid == 0) {
        return 7;
    }
    if (st->st_uid == cred->uid) {
        return (st->st_mode >> 6) & 7;
    }
    if (in_group(cred, st->st_gid)) {
        return (st->st_mode >> 3) & 7;
    }
    return st->st_mode & 7;
}

/* Writes "PATH (drwxr-x--- root:root)" to 'out'. */
static void
describe(const char *path, const struct stat *st, char *out, size_t len)
{
    static const char rwx[] = "rwxrwxrwx";
    struct passwd *pw = getpwuid(st->st_uid);
    struct group *gr = getgrgid(st->st_gid);
    char mode[11], user[32], group[32];
    int i;

    mode[0] = S_ISDIR(st->st_mode) ? 'd' : S_ISSOCK(st->st_mode) ? 's' : '-';
    for (i = 0; i < 9; i++) {
        mode[i + 1] = st->st_mode & (0400 >> i) ? rwx[i] : '-';
    }
    mode[10] = '\0';
    snprintf(user, sizeof user, "%s", pw ? pw->pw_name : "?");
    snprintf(group, sizeof group, "%s", gr ? gr->gr_name : "?");
    if (!pw) {
        snprintf(user, sizeof user, "%lu", (unsigned long) st->st_uid);
    }
    if (!gr) {
        snprintf(group, sizeof group, "%lu", (unsigned long) st->st_gid);
    }
    snprintf(out, len, "%s (%s %s:%s)", path, mode, user, group);
}

int
nfv_qemu_access(const struct nfv_qemu_cred *cred, const char *path,
                int want, char *why, size_t why_len)
{
    char real[PATH_MAX], what[PATH_MAX + 80];
    struct stat st;
    char *slash;
    int need;

    if (!realpath(path, real)) {
        return -errno;
    }
    /* Each directory on the way: search permission. */
    for (slash = real; (slash = strchr(slash, '/')) != NULL; slash++) {
        char saved = slash[1];

        slash[1] = '\0';
        if (stat(real, &st) < 0) {
            slash[1] = saved;
            return -errno;
        }
        if (!(perms(cred, &st) & 1)) {
            describe(real, &st, what, sizeof what);
            snprintf(why, why_len, "no search permission on %s", what);
            return -EACCES;
        }
        slash[1] = saved;
        if (saved == '\0') {
            break;
        }
    }
    if (stat(real, &st) < 0) {
        return -errno;
    }
    need = (want & R_OK ? 4 : 0) | (want & W_OK ? 2 : 0);
    if ((perms(cred, &st) & need) != need) {
        describe(real, &st, what, sizeof what);
        snprintf(why, why_len, "no %s permission on %s",
                 need == 4 ? "read" : need == 2 ? "write" : "read-write", what);
        return -EACCES;
    }
    return 0;
}
