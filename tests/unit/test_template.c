/*
 * test_template.c - unit tests for the template expander (compiler/template.c).
 *
 * Diagnostics are captured through diag_set_sink; each test checks the exact output or
 * the "template <name>:<line>: error: ..." line it expects.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snncc.h"

/* ---- helpers ------------------------------------------------------------------------ */

static char g_diags[8192]; /* every diagnostic line, each followed by '\n' */

static void sink(void *ud, const char *line)
{
    (void)ud;
    size_t n = strlen(g_diags);
    snprintf(g_diags + n, sizeof g_diags - n, "%s\n", line);
}

static int setup(void **state)
{
    (void)state;
    g_diags[0] = '\0';
    diag_reset();
    diag_set_sink(sink, NULL);
    tmpl_set_dir(NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    diag_set_sink(NULL, NULL);
    tmpl_set_dir(NULL);
    return 0;
}

/* Expand src as template "t"; returns the output (static) and stores the result code. */
static const char *expand_rc(const char *src, TmplScope *s, int *rc)
{
    static char result[4096];
    StrBuf out;
    sb_init(&out);
    *rc = tmpl_expand(&out, src, "t", s);
    snprintf(result, sizeof result, "%s", out.buf);
    sb_release(&out);
    return result;
}

static const char *expand(const char *src, TmplScope *s)
{
    int rc;
    const char *r = expand_rc(src, s, &rc);
    assert_int_equal(rc, 0);
    return r;
}

/* Expansion fails with exactly one error line containing want. */
static void expect_error(const char *src, TmplScope *s, const char *want)
{
    int rc;
    const char *r = expand_rc(src, s, &rc);
    assert_int_equal(rc, -1);
    assert_string_equal(r, "");
    if (!strstr(g_diags, want))
        fail_msg("expected '%s' in diagnostics:\n%s", want, g_diags);
    assert_int_equal(diag_error_count(), 1);
}

/* ---- substitution and scopes ------------------------------------------------------- */

static void test_substitution(void **state)
{
    TmplScope *s = tmpl_scope_new(NULL);
    tmpl_set(s, "a", "1");
    tmpl_set(s, "b", "two");
    tmpl_set(s, "e", "");
    assert_string_equal(expand("{{! uses: a b e }}\nx={{a}} y={{ b }}[{{e}}]{{a}}\n", s),
                        "x=1 y=two[]1\n");
    tmpl_set(s, "a", "replaced");
    assert_string_equal(expand("{{! uses: a }}{{a}}", s), "replaced");
    tmpl_set_bool(s, "a", true);
    assert_string_equal(expand("{{! uses: a }}{{a}}", s), "1");
    /* The header need not have a line of its own; text may hold lone braces. */
    assert_string_equal(expand("  {{! uses: }}plain { } }} text", s), "  plain { } }} text");
    assert_string_equal(g_diags, "");
}

static void test_scope_chain(void **state)
{
    TmplScope *g = tmpl_scope_new(NULL);
    tmpl_set(g, "x", "global");
    tmpl_set(g, "g", "G");
    TmplScope *p = tmpl_scope_new(g);
    tmpl_set(p, "x", "pop");
    TmplScope *v = tmpl_scope_new(p);
    tmpl_set(v, "v", "V");
    assert_string_equal(expand("{{! uses: x g v }}{{g}} {{x}} {{v}}", v), "G pop V");
    assert_string_equal(expand("{{! uses: x g }}{{g}} {{x}}", g), "G global");
}

static void test_lists(void **state)
{
    TmplScope *g = tmpl_scope_new(NULL);
    tmpl_set(g, "model", "m");
    const char *pops[] = {"E", "I"};
    for (int i = 0; i < 2; i++) {
        TmplScope *p = tmpl_list_add(g, "pops");
        tmpl_set(p, "name", pops[i]);
        tmpl_list_declare(p, "vars");
        for (int k = 0; k < 2 - i; k++) {
            TmplScope *v = tmpl_list_add(p, "vars");
            tmpl_set(v, "var", k ? "u" : "V");
        }
    }
    const char *src = "{{! uses: model pops name vars var }}\n"
                      "{{#pops}}\n"
                      "pop {{name}}:\n"
                      "    {{#vars}}\n"
                      "    {{model}}.{{name}}.{{var}};\n"
                      "    {{/vars}}\n"
                      "{{/pops}}\n"
                      "end\n";
    assert_string_equal(expand(src, g), "pop E:\n"
                                        "    m.E.V;\n"
                                        "    m.E.u;\n"
                                        "pop I:\n"
                                        "    m.I.V;\n"
                                        "end\n");
    /* A declared list with no items: the section vanishes, the inverted one shows. */
    TmplScope *e = tmpl_scope_new(NULL);
    tmpl_list_declare(e, "items");
    assert_string_equal(expand("{{! uses: items }}[{{#items}}x{{/items}}{{^items}}none{{/items}}]",
                               e),
                        "[none]");
    tmpl_list_add(e, "items");
    assert_string_equal(expand("{{! uses: items }}[{{#items}}x{{/items}}{{^items}}none{{/items}}]",
                               e),
                        "[x]");
    assert_string_equal(g_diags, "");
}

static void test_truthy(void **state)
{
    TmplScope *s = tmpl_scope_new(NULL);
    const char *src = "{{! uses: c }}{{#c}}yes{{/c}}{{^c}}no{{/c}}";
    struct {
        const char *value;
        const char *want;
    } cases[] = {{"1", "yes"}, {"x", "yes"}, {"true", "yes"}, {"00", "yes"},
                 {"", "no"},   {"0", "no"},  {"false", "no"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tmpl_set(s, "c", cases[i].value);
        assert_string_equal(expand(src, s), cases[i].want);
    }
    tmpl_set_bool(s, "c", true);
    assert_string_equal(expand(src, s), "yes");
    tmpl_set_bool(s, "c", false);
    assert_string_equal(expand(src, s), "no");
    /* A value section keeps the current scope. */
    tmpl_set_bool(s, "c", true);
    tmpl_set(s, "n", "N");
    assert_string_equal(expand("{{! uses: c n }}{{#c}}<{{n}}>{{/c}}", s), "<N>");
}

/* ---- layout ------------------------------------------------------------------------ */

static void test_reindent(void **state)
{
    TmplScope *s = tmpl_scope_new(NULL);
    tmpl_set(s, "body", "a;\n  b;\n\nc;\n");
    tmpl_set(s, "nonl", "x;\ny;");
    tmpl_set(s, "empty", "");
    const char *src = "{{! uses: body nonl empty }}\n"
                      "{\n"
                      "    {{body}}\n"
                      "\t{{ nonl }}  \n"
                      "    {{empty}}\n"
                      "}\n"
                      "inline: {{nonl}}\n"
                      "  {{nonl}}";
    assert_string_equal(expand(src, s), "{\n"
                                        "    a;\n"
                                        "      b;\n"
                                        "\n"
                                        "    c;\n"
                                        "\tx;\n"
                                        "\ty;\n"
                                        "}\n"
                                        "inline: x;\ny;\n"
                                        "  x;\n"
                                        "  y;");
}

static void test_standalone(void **state)
{
    TmplScope *s = tmpl_scope_new(NULL);
    tmpl_set_bool(s, "on", true);
    tmpl_set_bool(s, "off", false);
    const char *src = "{{! uses: on off }}\n"
                      "a\n"
                      "  {{#on}}  \n"
                      "b\n"
                      "\t{{/on}}\n"
                      "{{#off}}\n"
                      "hidden\n"
                      "{{/off}}\n"
                      "c {{#on}}d{{/on}} e\n"
                      "{{#on}}f{{/on}}\n"
                      "{{#on}}\n"
                      "g\n"
                      "{{/on}}";
    assert_string_equal(expand(src, s), "a\nb\nc d e\nf\ng\n");
    /* CRLF line endings: the whole standalone line goes, "\r\n" included. */
    assert_string_equal(expand("{{! uses: on }}\r\n{{#on}}\r\nx\r\n{{/on}}\r\n", s), "x\r\n");
}

static void test_comments(void **state)
{
    TmplScope *s = tmpl_scope_new(NULL);
    tmpl_set(s, "a", "A");
    const char *src = "{{! uses: a }}\n"
                      "x{{! inline }}y\n"
                      "   {{! standalone }}\n"
                      "{{! multi\n"
                      "    line }}\n"
                      "{{a}}{{!tail}}\n"
                      "{{nope}}\n";
    int rc;
    expand_rc(src, s, &rc);
    /* The multi-line comment is counted: {{nope}} is on line 7. */
    assert_int_equal(rc, -1);
    assert_non_null(strstr(g_diags, "template t:7: error:"));
    g_diags[0] = '\0';
    diag_reset();
    src = "{{! uses: a }}\n"
          "x{{! inline }}y\n"
          "   {{! standalone }}\n"
          "{{! multi\n"
          "    line }}\n"
          "{{a}}{{!tail}}\n";
    assert_string_equal(expand(src, s), "xy\nA\n");
}

static void test_deterministic(void **state)
{
    TmplScope *g = tmpl_scope_new(NULL);
    for (int i = 0; i < 50; i++)
        tmpl_set(tmpl_list_add(g, "l"), "i", arena_printf("%d", i));
    char first[4096];
    snprintf(first, sizeof first, "%s", expand("{{! uses: l i }}{{#l}}{{i}},{{/l}}", g));
    assert_string_equal(expand("{{! uses: l i }}{{#l}}{{i}},{{/l}}", g), first);
    assert_int_equal(strncmp(first, "0,1,2,", 6), 0);
}

/* ---- errors ------------------------------------------------------------------------ */

static void test_error_unknown_name(void **state)
{
    TmplScope *s = tmpl_scope_new(NULL);
    tmpl_set(s, "a", "A");
    expect_error("{{! uses: a x }}\n{{a}}\n\n  {{x}}\n", s, "template t:4: error: unknown name 'x'");
}

static void test_error_unknown_section(void **state)
{
    TmplScope *s = tmpl_scope_new(NULL);
    expect_error("{{! uses: x }}\nq\n{{#x}}\n{{/x}}\n", s, "template t:3: error: unknown name 'x'");
}

static void test_error_unknown_in_list(void **state)
{
    TmplScope *s = tmpl_scope_new(NULL);
    tmpl_list_add(s, "l");
    expect_error("{{! uses: l v }}\n{{#l}}\n{{v}}\n{{/l}}\n", s,
                 "template t:3: error: unknown name 'v'");
}

static void test_error_output_kept_clean(void **state)
{
    TmplScope *s = tmpl_scope_new(NULL);
    StrBuf out;
    sb_init(&out);
    sb_puts(&out, "keep");
    assert_int_equal(tmpl_expand(&out, "{{! uses: x }}lots of text {{x}}", "t", s), -1);
    assert_string_equal(out.buf, "keep");
    assert_int_equal((int)out.len, 4);
    sb_release(&out);
}

static void test_error_list_as_value(void **state)
{
    TmplScope *s = tmpl_scope_new(NULL);
    tmpl_list_declare(s, "l");
    expect_error("{{! uses: l }}\n{{l}}", s, "template t:2: error: 'l' is a list");
}

static void test_error_undeclared(void **state)
{
    TmplScope *s = tmpl_scope_new(NULL);
    tmpl_set(s, "a", "A");
    tmpl_set(s, "b", "B");
    expect_error("{{! uses: a }}\n{{a}}\n{{b}}\n", s,
                 "template t:3: error: 'b' is not declared in the '{{! uses: }}' header");
}

static void test_error_undeclared_section(void **state)
{
    TmplScope *s = tmpl_scope_new(NULL);
    tmpl_set_bool(s, "c", true);
    expect_error("{{! uses: }}\n\n{{#c}}x{{/c}}\n", s, "template t:3: error: 'c' is not declared");
}

static void test_warn_unused(void **state)
{
    TmplScope *s = tmpl_scope_new(NULL);
    tmpl_set(s, "a", "A");
    assert_string_equal(expand("{{! uses: a spare }}\n{{a}}\n", s), "A\n");
    assert_non_null(strstr(g_diags, "template t:1: warning:"));
    assert_non_null(strstr(g_diags, "'spare'"));
    assert_null(strstr(g_diags, "'a'"));
    assert_int_equal(diag_error_count(), 0);
}

static void test_error_missing_header(void **state)
{
    TmplScope *s = tmpl_scope_new(NULL);
    tmpl_set(s, "a", "A");
    expect_error("{{a}}\n", s, "template t:1: error: template must start with");
    g_diags[0] = '\0';
    diag_reset();
    expect_error("no tags at all\n", s, "template t:1: error: template must start with");
    g_diags[0] = '\0';
    diag_reset();
    expect_error("text\n{{! uses: a }}{{a}}\n", s, "template t:1: error: template must start with");
}

static void test_error_unbalanced(void **state)
{
    TmplScope *s = tmpl_scope_new(NULL);
    tmpl_set_bool(s, "a", true);
    tmpl_set_bool(s, "b", true);
    expect_error("{{! uses: a }}\nx\n{{/a}}\n", s, "template t:3: error: '{{/a}}' closes no open section");
    g_diags[0] = '\0';
    diag_reset();
    expect_error("{{! uses: a b }}\n{{#a}}\n{{#b}}\n{{/a}}\n{{/b}}\n", s,
                 "template t:4: error: '{{/a}}' does not match '{{#b}}' opened on line 3");
    g_diags[0] = '\0';
    diag_reset();
    expect_error("{{! uses: a b }}\n{{#a}}\n{{^b}}\n{{/b}}\n\n", s,
                 "template t:2: error: section 'a' is never closed");
}

static void test_error_unterminated(void **state)
{
    TmplScope *s = tmpl_scope_new(NULL);
    tmpl_set(s, "a", "A");
    expect_error("{{! uses: a }}\n{{a}}\n\nfoo {{a\n}\n", s, "template t:4: error: unterminated '{{'");
    g_diags[0] = '\0';
    diag_reset();
    expect_error("{{! uses: a", s, "template t:1: error: unterminated '{{'");
}

static void test_error_bad_tag(void **state)
{
    TmplScope *s = tmpl_scope_new(NULL);
    tmpl_set(s, "a", "A");
    expect_error("{{! uses: a }}\n{{a}}{{a b}}\n", s, "template t:2: error: bad tag '{{a b}}'");
    g_diags[0] = '\0';
    diag_reset();
    expect_error("{{! uses: a }}\n{{#}}{{/}}\n", s, "template t:2: error: bad tag '{{#}}'");
}

/* ---- loading ----------------------------------------------------------------------- */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_get_from_dir(void **state)
{
    char dir[] = "/tmp/snncc_tmpl_XXXXXX";
    char sub[64], file[64];
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof sub, "%s/c", dir);
    snprintf(file, sizeof file, "%s/c/x.tmpl", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_file(file, "{{! uses: who }}\nhello {{who}}\n");

    tmpl_set_dir(dir);
    const char *src = tmpl_get("c/x.tmpl");
    assert_non_null(src);
    assert_string_equal(src, "{{! uses: who }}\nhello {{who}}\n");
    TmplScope *s = tmpl_scope_new(NULL);
    tmpl_set(s, "who", "world");
    assert_string_equal(expand(src, s), "hello world\n");

    /* A file missing from the directory is an error naming the file; no fallback. */
    assert_null(tmpl_get("c/missing.tmpl"));
    char want[96];
    snprintf(want, sizeof want, "%s/c/missing.tmpl", dir);
    assert_non_null(strstr(g_diags, want));
    assert_int_equal(diag_error_count(), 1);

    unlink(file);
    rmdir(sub);
    rmdir(dir);
}

/* {{> path}}: the partial's lines in place of the tag's line, rendered in the scope at
 * that point (inside a list: the item's), checked against its own uses header. */
static void test_partials(void **state)
{
    char dir[] = "/tmp/snncc_tmpl_XXXXXX";
    char sub[64], file[64], bad[64];
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof sub, "%s/common", dir);
    snprintf(file, sizeof file, "%s/common/item.tmpl", dir);
    snprintf(bad, sizeof bad, "%s/common/bad.tmpl", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_file(file, "{{! uses: name }}\n{{! a comment line }}\n- {{name}}\n");
    write_file(bad, "{{! uses: name }}\n{{other}}\n");
    tmpl_set_dir(dir);

    TmplScope *s = tmpl_scope_new(NULL);
    tmpl_set(s, "name", "top");
    tmpl_set(tmpl_list_add(s, "xs"), "name", "a");
    tmpl_set(tmpl_list_add(s, "xs"), "name", "b");
    assert_string_equal(expand("{{! uses: xs }}\n[\n{{#xs}}\n{{> common/item.tmpl}}\n{{/xs}}\n"
                               "]\n{{> common/item.tmpl}}\nend\n", s),
                        "[\n- a\n- b\n]\n- top\nend\n");
    assert_int_equal(diag_error_count(), 0);

    /* not alone on its line, or indented: an error naming the partial */
    expect_error("{{! uses: }}x {{> common/item.tmpl}}\n", s,
                 "template t:1: error: the partial 'common/item.tmpl' must stand alone on its "
                 "line, at column 0");
    setup(state);
    expect_error("{{! uses: }}\n  {{> common/item.tmpl}}\n", s, "must stand alone");
    /* a missing partial: the file's error, then the including line */
    setup(state);
    tmpl_set_dir(dir);
    int rc;
    expand_rc("{{! uses: }}\n{{> common/none.tmpl}}\n", s, &rc);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(g_diags, "common/none.tmpl: error: cannot read template"));
    assert_non_null(strstr(g_diags, "template t:2: error: cannot include the partial "
                                    "'common/none.tmpl'"));
    /* a partial's names are checked against its own header */
    setup(state);
    tmpl_set_dir(dir);
    expand_rc("{{! uses: }}\n{{> common/bad.tmpl}}\n", s, &rc);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(g_diags, "template common/bad.tmpl:2: error: 'other' is not "
                                    "declared in the '{{! uses: }}' header"));
    /* a partial that includes itself stops at the nesting limit */
    setup(state);
    write_file(bad, "{{! uses: }}\n{{> common/bad.tmpl}}\n");
    tmpl_set_dir(dir);
    expand_rc("{{! uses: }}\n{{> common/bad.tmpl}}\n", s, &rc);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(g_diags, "partials nested too deeply at 'common/bad.tmpl'"));

    unlink(file);
    unlink(bad);
    rmdir(sub);
    rmdir(dir);
}

/* The built-in templates and their partials expand without warnings: every partial the
 * C and CUDA host templates include exists and is embedded. */
static void test_builtin_partials(void **state)
{
    (void)state;
    static const char *const names[] = {
        "common/consts.tmpl",       "common/proj_decls.tmpl",    "common/construction.tmpl",
        "common/build_state.tmpl",  "common/init_projs.tmpl",    "common/release_inputs.tmpl",
        "common/release_offsets.tmpl", "common/descriptors.tmpl", "common/rparams_desc.tmpl",
        "common/model_desc.tmpl",  "common/model_step.tmpl",
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        assert_non_null(tmpl_builtin(names[i]));
        const char *c = tmpl_builtin("c/model.c.tmpl"), *h = tmpl_builtin("cuda/host.c.tmpl");
        char tag[80];
        snprintf(tag, sizeof tag, "\n{{> %s}}\n", names[i]);
        assert_non_null(strstr(c, tag));
        assert_non_null(strstr(h, tag));
    }
}

static void test_builtin_missing(void **state)
{
    assert_null(tmpl_builtin("no/such/template.tmpl"));
    assert_null(tmpl_get("no/such/template.tmpl"));
    assert_non_null(strstr(g_diags, "no/such/template.tmpl"));
    assert_non_null(strstr(g_diags, "error"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_substitution, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scope_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truthy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reindent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_standalone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_comments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_unknown_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_unknown_section, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_unknown_in_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_output_kept_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_list_as_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_undeclared, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_undeclared_section, setup, teardown),
        cmocka_unit_test_setup_teardown(test_warn_unused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_missing_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_unbalanced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_unterminated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_bad_tag, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_from_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partials, setup, teardown),
        cmocka_unit_test_setup_teardown(test_builtin_partials, setup, teardown),
        cmocka_unit_test_setup_teardown(test_builtin_missing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
