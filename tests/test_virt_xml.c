/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests: nfv-virt's domain XML (tools/nfv_virt_xml.h) and its check of
 * what QEMU's user may open (tools/nfv_virt_perm.h). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nfv_virt_perm.h"
#include "nfv_virt_xml.h"

/* A hostile NF command: quotes, markup, entities, a newline. */
#define HOSTILE "nfv-fwd '--name' \"x'/><devices><disk/></devices><x a='\" &amp; <!-- \n-->"

static struct nfv_vm_spec
spec_ok(void)
{
    struct nfv_vm_spec s = {
        .name = "fw1",
        .domain = "untrusted",
        .socket = "/run/nfvisor/untrusted.sock",
        .accel = "tcg",
        .memory_mb = 256,
        .cpus = 1,
        .vectors = 2,
        .kernel = "/boot/vmlinuz",
        .initrd = "/var/cache/nfvisor/vm/guest.cpio.gz",
        .cmdline = "console=ttyS0 panic=-1 nfv.cmd=ZXhpdCAw",
        .console = "/var/log/nfvisor/fw1.console",
        .qemu_label = "libvirt-qemu:libvirt-qemu",
        .nf = "nfv-fwd --service 1",
    };
    return s;
}

static int
count(const char *hay, const char *needle)
{
    int n = 0;

    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

START_TEST(test_xml_tcg_document)
{
    struct nfv_vm_spec s = spec_ok();
    char *xml = nfv_vm_xml(&s);

    ck_assert_ptr_nonnull(xml);
    ck_assert_ptr_nonnull(strstr(xml, "<domain type='qemu'>"));
    ck_assert_ptr_nonnull(strstr(xml, "<name>nfv-fw1</name>"));
    ck_assert_ptr_nonnull(strstr(xml, "<model type='ivshmem-doorbell'/>"));
    ck_assert_ptr_nonnull(strstr(xml, "<server path='/run/nfvisor/untrusted.sock'/>"));
    ck_assert_ptr_nonnull(strstr(xml, "<msi vectors='2' ioeventfd='on'/>"));
    ck_assert_ptr_nonnull(strstr(xml, "<kernel>/boot/vmlinuz</kernel>"));
    ck_assert_ptr_nonnull(strstr(xml, "<source path='/var/log/nfvisor/fw1.console'/>"));
    ck_assert_ptr_nonnull(strstr(xml, "<memory unit='MiB'>256</memory>"));
    ck_assert_ptr_null(strstr(xml, "host-passthrough"));   /* TCG has no host CPU */
    ck_assert_int_eq(count(xml, "<"), count(xml, ">"));
    free(xml);
}
END_TEST

START_TEST(test_xml_kvm_document)
{
    struct nfv_vm_spec s = spec_ok();
    char *xml;

    s.accel = "kvm";
    s.uuid = "6f1b5a3e-2f41-4c53-9d2e-0c1f6a1e9b11";
    xml = nfv_vm_xml(&s);
    ck_assert_ptr_nonnull(xml);
    ck_assert_ptr_nonnull(strstr(xml, "<domain type='kvm'>"));
    ck_assert_ptr_nonnull(strstr(xml, "<cpu mode='host-passthrough'/>"));
    ck_assert_ptr_nonnull(strstr(xml, "<uuid>6f1b5a3e-2f41-4c53-9d2e-0c1f6a1e9b11</uuid>"));
    free(xml);
}
END_TEST

/* Whatever the user types, it adds no element and no attribute, and the
 * metadata gives back exactly what went in. */
START_TEST(test_xml_hostile_values_stay_text)
{
    struct nfv_vm_spec s = spec_ok();
    char *xml, *meta, *nf, *console;

    s.nf = HOSTILE;
    s.console = "/tmp/a'b\"c<d>&e.console";
    xml = nfv_vm_xml(&s);
    ck_assert_ptr_nonnull(xml);
    ck_assert_ptr_null(strstr(xml, "<devices><disk"));
    ck_assert_ptr_null(strstr(xml, "<!--"));
    ck_assert_int_eq(count(xml, "<devices>"), 1);
    ck_assert_int_eq(count(xml, "<serial "), 1);
    meta = strstr(xml, "<nfv:vm ");
    ck_assert_ptr_nonnull(meta);
    nf = nfv_xml_attr(meta, "nf");
    console = nfv_xml_attr(meta, "console");
    ck_assert_str_eq(nf, HOSTILE);
    ck_assert_str_eq(console, "/tmp/a'b\"c<d>&e.console");
    free(nf);
    free(console);
    free(xml);
}
END_TEST

START_TEST(test_xml_refuses_what_xml_cannot_carry)
{
    struct nfv_vm_spec s = spec_ok();
    struct nfv_buf b = { 0 };

    s.nf = "nfv-fwd \x01";                     /* a C0 control */
    errno = 0;
    ck_assert_ptr_null(nfv_vm_xml(&s));
    ck_assert_int_eq(errno, EILSEQ);
    s = spec_ok();
    s.console = "/tmp/\xc3(";                   /* invalid UTF-8 */
    ck_assert_ptr_null(nfv_vm_xml(&s));
    ck_assert_int_eq(errno, EILSEQ);
    s = spec_ok();
    s.nf = "\xed\xa0\x80";                      /* a UTF-16 surrogate */
    ck_assert_ptr_null(nfv_vm_xml(&s));
    ck_assert_int_eq(errno, EILSEQ);
    ck_assert_int_eq(nfv_xml_escape(&b, "caf\xc3\xa9 \xe2\x82\xac"), 0);
    ck_assert_str_eq(b.data, "caf\xc3\xa9 \xe2\x82\xac");
    nfv_buf_free(&b);
}
END_TEST

START_TEST(test_xml_refuses_bad_spec)
{
    struct nfv_vm_spec s = spec_ok();

    s.accel = "auto";                           /* must be resolved first */
    errno = 0;
    ck_assert_ptr_null(nfv_vm_xml(&s));
    ck_assert_int_eq(errno, EINVAL);
    s = spec_ok();
    s.name = "../etc";
    ck_assert_ptr_null(nfv_vm_xml(&s));
    s = spec_ok();
    s.domain = "a'b";
    ck_assert_ptr_null(nfv_vm_xml(&s));
    s = spec_ok();
    s.socket = NULL;
    ck_assert_ptr_null(nfv_vm_xml(&s));
}
END_TEST

START_TEST(test_names)
{
    ck_assert_int_eq(nfv_virt_name_check("fw-1.a_b"), 0);
    ck_assert_int_eq(nfv_virt_name_check(""), -EINVAL);
    ck_assert_int_eq(nfv_virt_name_check("-x"), -EINVAL);
    ck_assert_int_eq(nfv_virt_name_check(".x"), -EINVAL);
    ck_assert_int_eq(nfv_virt_name_check("a/b"), -EINVAL);
    ck_assert_int_eq(nfv_virt_name_check("a b"), -EINVAL);
    ck_assert_int_eq(nfv_virt_name_check("0123456789012345678901234567890123456789012345678"),
                     -EINVAL);                 /* 49 > NFV_VIRT_NAME_MAX */
    ck_assert_int_eq(nfv_virt_domain_check("untrusted_2"), 0);
    ck_assert_int_eq(nfv_virt_domain_check("a.b"), -EINVAL);
    ck_assert_int_eq(nfv_virt_domain_check("0123456789012345678901234567890123"), -EINVAL);
}
END_TEST

/* RFC 4648 section 10 vectors. */
START_TEST(test_base64)
{
    static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    static const char *const out[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
                                       "Zm9vYmFy" };

    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        struct nfv_buf b = { 0 };

        nfv_base64(&b, in[i], strlen(in[i]));
        ck_assert_str_eq(b.data, out[i]);
        nfv_buf_free(&b);
    }
}
END_TEST

START_TEST(test_cmdline)
{
    char big[1600];
    char *c = nfv_virt_cmdline("exec /bin/nfv-fwd", "quiet");

    ck_assert_str_eq(c, "console=ttyS0 panic=-1 nfv.cmd=ZXhlYyAvYmluL25mdi1md2Q= quiet");
    free(c);
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    errno = 0;
    ck_assert_ptr_null(nfv_virt_cmdline(big, NULL));     /* base64 > 2000 */
    ck_assert_int_eq(errno, E2BIG);
}
END_TEST

START_TEST(test_unescape_and_attr)
{
    static const char in[] = "a&lt;&#x41;&#66;&amp;&quot;&apos;&gt;&#x20AC;";
    char *s = nfv_xml_unescape(in, strlen(in));

    ck_assert_str_eq(s, "a<AB&\"'>\xe2\x82\xac");
    free(s);
    errno = 0;
    ck_assert_ptr_null(nfv_xml_unescape("&#0;", 4));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_null(nfv_xml_unescape("&nbsp;", 6));
    ck_assert_ptr_null(nfv_xml_unescape("&#xD800;", 8));
    ck_assert_ptr_null(nfv_xml_unescape("a & b", 5));
    s = nfv_xml_attr("<nfv:vm xmlns:nfv=\"u\" name = 'x' nf=\"a&amp;b\"/>", "nf");
    ck_assert_str_eq(s, "a&b");
    free(s);
    errno = 0;
    ck_assert_ptr_null(nfv_xml_attr("<vm name='x'/>", "domain"));
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_ptr_null(nfv_xml_attr("vm name='x'", "name"));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_null(nfv_xml_attr("<vm name='x", "name"));
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(test_qemu_cred_parse)
{
    struct nfv_qemu_cred c;

    ck_assert_int_eq(nfv_qemu_cred_parse("+64055:+107", &c), 0);
    ck_assert_uint_eq(c.uid, 64055);
    ck_assert_uint_eq(c.gid, 107);
    ck_assert_int_eq(nfv_qemu_cred_parse("root:root", &c), 0);
    ck_assert_uint_eq(c.uid, 0);
    ck_assert_int_eq(nfv_qemu_cred_parse("root", &c), -EINVAL);
    ck_assert_int_eq(nfv_qemu_cred_parse("+x:+1", &c), -EINVAL);
    ck_assert_int_eq(nfv_qemu_cred_parse("no-such-user-nfv:root", &c), -ENOENT);
}
END_TEST

/* QEMU's user sees what the modes give it, directories on the way
 * included, and the reason names the obstacle. */
START_TEST(test_qemu_access)
{
    struct nfv_qemu_cred other = { .uid = 65534, .gid = 65534 };
    struct nfv_qemu_cred group = { .uid = 65534, .gid = getgid() };
    char dir[] = "/tmp/nfv-virt-test.XXXXXX", file[64], why[512];

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(file, sizeof file, "%s/image", dir);
    fclose(fopen(file, "w"));

    ck_assert_int_eq(chmod(dir, 0755), 0);
    ck_assert_int_eq(chmod(file, 0644), 0);
    ck_assert_int_eq(nfv_qemu_access(&other, file, R_OK, why, sizeof why), 0);
    ck_assert_int_eq(nfv_qemu_access(&other, file, W_OK, why, sizeof why), -EACCES);
    ck_assert_ptr_nonnull(strstr(why, "no write permission on"));
    ck_assert_ptr_nonnull(strstr(why, "-rw-r--r--"));

    ck_assert_int_eq(chmod(file, 0640), 0);
    ck_assert_int_eq(nfv_qemu_access(&other, file, R_OK, why, sizeof why), -EACCES);
    ck_assert_int_eq(nfv_qemu_access(&group, file, R_OK, why, sizeof why), 0);

    ck_assert_int_eq(chmod(file, 0644), 0);
    ck_assert_int_eq(chmod(dir, 0700), 0);
    ck_assert_int_eq(nfv_qemu_access(&other, file, R_OK, why, sizeof why), -EACCES);
    ck_assert_ptr_nonnull(strstr(why, "no search permission on"));
    ck_assert_ptr_nonnull(strstr(why, dir));

    ck_assert_int_eq(nfv_qemu_access(&other, "/nonexistent/nfv", R_OK, why, sizeof why),
                     -ENOENT);
    unlink(file);
    rmdir(dir);
}
END_TEST

static Suite *
virt_suite(void)
{
    Suite *s = suite_create("virt_xml");
    TCase *xml = tcase_create("xml");
    TCase *perm = tcase_create("perm");

    tcase_add_test(xml, test_xml_tcg_document);
    tcase_add_test(xml, test_xml_kvm_document);
    tcase_add_test(xml, test_xml_hostile_values_stay_text);
    tcase_add_test(xml, test_xml_refuses_what_xml_cannot_carry);
    tcase_add_test(xml, test_xml_refuses_bad_spec);
    tcase_add_test(xml, test_names);
    tcase_add_test(xml, test_base64);
    tcase_add_test(xml, test_cmdline);
    tcase_add_test(xml, test_unescape_and_attr);
    suite_add_tcase(s, xml);
    tcase_add_test(perm, test_qemu_cred_parse);
    tcase_add_test(perm, test_qemu_access);
    suite_add_tcase(s, perm);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(virt_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
