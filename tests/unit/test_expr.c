/*
 * test_expr.c - unit tests for code strings (compiler/expr.c): parsing and printing back
 * (precedence, statements, numbers), every error message with its file:line, name
 * resolution against a LIF-like symbol table, float printing, callbacks and #line.
 *
 * Code strings start at "t.lua" line 10, so an error on the string's line N reads
 * "t.lua:<9+N>: error: neuron 'lif' sim code: ...".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    diag_set_sink(NULL, NULL);
    return 0;
}

static const SrcLoc LOC = {"t.lua", 10};
#define WHAT "neuron 'lif' sim code"
#define ERR(line, msg) "t.lua:" #line ": error: " WHAT ": " msg "\n"

static const Sym SYMS[] = {
    {"tau_m", SYM_PARAM, 0, false, 0},  {"V_reset", SYM_PARAM, 1, false, 0},
    {"theta", SYM_PARAM, 2, false, 0},  {"t_ref", SYM_PARAM, 3, false, 0},
    {"V", SYM_VAR, 0, true, 0},         {"refrac", SYM_VAR, 1, true, 0},
    {"dt", SYM_BUILTIN, 0, false, 0},   {"t", SYM_BUILTIN, 1, false, 0},
    {"Isyn", SYM_INPUT, 0, false, 0},   {"I_ext", SYM_EGP, 0, false, 0},
};
#define NSYMS ((int)(sizeof SYMS / sizeof SYMS[0]))

static const char *print_stmts(const Stmt *s, int indent, const CodePrinter *cp)
{
    static char result[4096];
    StrBuf out;
    sb_init(&out);
    code_print_stmts(&out, s, indent, cp);
    snprintf(result, sizeof result, "%s", out.buf);
    sb_release(&out);
    return result;
}

/* Parse, print, and check that the printed text parses and prints the same. */
static const char *pp(const char *src)
{
    Stmt *s = code_parse_stmts(src, LOC, WHAT);
    assert_non_null(s);
    static char first[4096];
    snprintf(first, sizeof first, "%s", print_stmts(s, 0, NULL));
    Stmt *again = code_parse_stmts(first, LOC, WHAT);
    assert_non_null(again);
    assert_string_equal(print_stmts(again, 0, NULL), first);
    return first;
}

/* Parse and resolve against SYMS; returns the printed code, or NULL on errors. */
static const char *resolved(const char *src, const CodePrinter *cp)
{
    Stmt *s = code_parse_stmts(src, LOC, WHAT);
    if (!s || code_resolve_stmts(s, SYMS, NSYMS, LOC, WHAT) != 0)
        return NULL;
    return print_stmts(s, 0, cp);
}

/* The diagnostics of parsing and resolving src. */
static const char *errs(const char *src)
{
    g_diags[0] = '\0';
    Stmt *s = code_parse_stmts(src, LOC, WHAT);
    if (s)
        code_resolve_stmts(s, SYMS, NSYMS, LOC, WHAT);
    return g_diags;
}

static const char *expr_errs(const char *src)
{
    g_diags[0] = '\0';
    Expr *e = code_parse_expr(src, LOC, WHAT);
    if (e)
        code_resolve_expr(e, SYMS, NSYMS, LOC, WHAT);
    return g_diags;
}

static const char *num(double v, bool is_float)
{
    static char result[64];
    StrBuf out;
    sb_init(&out);
    code_print_number(&out, v, is_float);
    snprintf(result, sizeof result, "%s", out.buf);
    sb_release(&out);
    return result;
}

/* ---- parsing and printing ------------------------------------------------------------ */

static void test_lif_sim(void **state)
{
    (void)state;
    const char *src = " if (refrac > 0.0) { refrac -= dt; } else { V += -V * (dt / tau_m) + Isyn; } ";
    assert_string_equal(resolved(src, NULL), "if (refrac > 0.0) {\n"
                                             "    refrac -= dt;\n"
                                             "} else {\n"
                                             "    V += -V * (dt / tau_m) + Isyn;\n"
                                             "}\n");
    assert_string_equal(resolved("V = V_reset; refrac = t_ref;", NULL),
                        "V = V_reset;\nrefrac = t_ref;\n");
    assert_string_equal(g_diags, "");
}

static void test_egp_index(void **state)
{
    (void)state;
    assert_string_equal(pp("x = a[i + 1] * 2;"), "x = a[i + 1.0] * 2.0;\n");
    assert_string_equal(resolved("V += I_ext[V > 0.0 ? 1 : 2] - I_ext[I_ext[0]];", NULL),
                        "V += I_ext[V > 0.0 ? 1.0 : 2.0] - I_ext[I_ext[0.0]];\n");
    assert_string_equal(errs("V += I_ext;"),
                        ERR(10, "'I_ext' is an extra global parameter (an array): read an "
                                "element, e.g. I_ext[id]"));
    assert_string_equal(errs("V += V[0];"),
                        ERR(10, "'V' (variable) is not an array: only extra global "
                                "parameters (neuron{ egp = }) take an index"));
    assert_string_equal(errs("I_ext[0] = 1.0;"), ERR(10, "left side of '=' must be a variable name"));
    assert_string_equal(errs("V += I_ext[0;"), ERR(10, "expected ']' to close '[' (got ';')"));
}

static void test_precedence(void **state)
{
    (void)state;
    assert_string_equal(pp("x = (a + b) * c;"), "x = (a + b) * c;\n");
    assert_string_equal(pp("x = a + (b * c);"), "x = a + b * c;\n");
    assert_string_equal(pp("x = (a - b) - c;"), "x = a - b - c;\n");
    assert_string_equal(pp("x = a - (b - c);"), "x = a - (b - c);\n");
    assert_string_equal(pp("x = a / (b * c);"), "x = a / (b * c);\n");
    assert_string_equal(pp("x = a * b / c;"), "x = a * b / c;\n");
    assert_string_equal(pp("x = a < b + 1 && c >= d || e != f;"),
                        "x = (a < b + 1.0 && c >= d) || e != f;\n");
    assert_string_equal(pp("x = a || b && c;"), "x = a || (b && c);\n");
    assert_string_equal(pp("x = (a || b) && c;"), "x = (a || b) && c;\n");
    assert_string_equal(pp("x = a < b == c > d;"), "x = (a < b) == (c > d);\n");
    assert_string_equal(pp("x = a % b;"), "x = fmod(a, b);\n");
    assert_string_equal(pp("x = (a + b) % c * d;"), "x = fmod(a + b, c) * d;\n");
    assert_string_equal(pp("x = f(a, (b), g());"), "x = f(a, b, g());\n");
}

static void test_unary_and_ternary(void **state)
{
    (void)state;
    assert_string_equal(pp("x = - -a;"), "x = -(-a);\n");
    assert_string_equal(pp("x = -a * b;"), "x = -a * b;\n");
    assert_string_equal(pp("x = -(a * b);"), "x = -(a * b);\n");
    assert_string_equal(pp("x = +a - !b;"), "x = +a - !b;\n");
    assert_string_equal(pp("x = !(a < b);"), "x = !(a < b);\n");
    assert_string_equal(pp("x = !a == b;"), "x = (!a) == b;\n");
    assert_string_equal(pp("x = a ? b : c ? d : e;"), "x = a ? b : c ? d : e;\n");
    assert_string_equal(pp("x = (a ? b : c) ? d : e;"), "x = (a ? b : c) ? d : e;\n");
    assert_string_equal(pp("x = a > 0 ? a + 1 : -a;"), "x = a > 0.0 ? a + 1.0 : -a;\n");
    assert_string_equal(pp("x = (a ? b : c) + 1;"), "x = (a ? b : c) + 1.0;\n");
}

static void test_statements(void **state)
{
    (void)state;
    assert_string_equal(pp("if (a) x = 1; else if (b) x = 2; else x = 3;"),
                        "if (a) {\n"
                        "    x = 1.0;\n"
                        "} else if (b) {\n"
                        "    x = 2.0;\n"
                        "} else {\n"
                        "    x = 3.0;\n"
                        "}\n");
    assert_string_equal(pp("if (a) if (b) x = 1; else x = 2;"), /* else binds to inner if */
                        "if (a) {\n"
                        "    if (b) {\n"
                        "        x = 1.0;\n"
                        "    } else {\n"
                        "        x = 2.0;\n"
                        "    }\n"
                        "}\n");
    assert_string_equal(pp("{ x = 1; { y = 2; } } ; ; z++; --z; ++z; w--; uniform();"),
                        "{\n"
                        "    x = 1.0;\n"
                        "    {\n"
                        "        y = 2.0;\n"
                        "    }\n"
                        "}\n"
                        "z++;\n"
                        "z--;\n"
                        "z++;\n"
                        "w--;\n"
                        "uniform();\n");
    assert_string_equal(pp("scalar k = 2; float f = 1.5f; double d = 1e-3; int n = 3; "
                           "x *= k; x /= n;"),
                        "scalar k = 2.0;\nfloat f = 1.5;\ndouble d = 0.001;\nint n = 3.0;\n"
                        "x *= k;\nx /= n;\n");
    /* true and false are the ints 1 and 0 (which print back as 1.0 and 0.0) */
    Stmt *s = code_parse_stmts("bool b = true && !false;", LOC, WHAT);
    assert_string_equal(print_stmts(s, 0, NULL), "bool b = 1 && !0;\n");
    assert_string_equal(pp("if (a) ; if (b) {}"), "if (a) {\n}\nif (b) {\n}\n");
    assert_string_equal(pp(""), "");
    assert_string_equal(pp("  // only a comment\n /* and\n another */ "), "");
    assert_string_equal(pp("x = 1; // set x\n/* y */ y = /* inline */ 2;"),
                        "x = 1.0;\ny = 2.0;\n");
    /* indentation is relative to 'indent' */
    s = code_parse_stmts("if (a) { x = 1; }", LOC, WHAT);
    assert_string_equal(print_stmts(s, 8, NULL),
                        "        if (a) {\n            x = 1.0;\n        }\n");
}

static void test_numbers_and_positions(void **state)
{
    (void)state;
    assert_string_equal(pp("x = 1 + 1.5 + .5 + 1e-3 + 2.5f + 1. + 2E+2 + 7F;"),
                        "x = 1.0 + 1.5 + 0.5 + 0.001 + 2.5 + 1.0 + 200.0 + 7.0;\n");
    const char *ints[] = {"3", "007", "1234567890123"};
    for (int i = 0; i < 3; i++) {
        Expr *e = code_parse_expr(ints[i], LOC, WHAT);
        assert_non_null(e);
        assert_int_equal(e->kind, EX_NUM);
        assert_true(e->is_int);
    }
    const char *floats[] = {"3.0", "3.", ".5", "1e3", "2.5f", "7f"};
    for (int i = 0; i < 6; i++) {
        Expr *e = code_parse_expr(floats[i], LOC, WHAT);
        assert_non_null(e);
        assert_false(e->is_int);
    }
    Expr *e = code_parse_expr("a +\n   b", LOC, WHAT);
    assert_int_equal(e->kind, EX_BINARY);
    assert_int_equal(e->op, '+');
    assert_int_equal(e->b->line, 2);
    assert_int_equal(e->b->col, 4);
    Stmt *s = code_parse_stmts("x = 1;\n\n  if (a) y = 2;", LOC, WHAT);
    assert_int_equal(s->kind, ST_BLOCK);
    assert_int_equal(s->n, 2);
    assert_int_equal(s->body[1]->kind, ST_IF);
    assert_int_equal(s->body[1]->line, 3);
    assert_int_equal(s->body[1]->col, 3);
    assert_int_equal(s->body[0]->e->kind, EX_ASSIGN);
    assert_int_equal(s->body[0]->e->op, '=');
    s = code_parse_stmts("x += 1; x++; --x;", LOC, WHAT);
    assert_int_equal(s->body[0]->e->op, TK_ADD_ASSIGN);
    assert_int_equal(s->body[1]->e->kind, EX_INCDEC);
    assert_int_equal(s->body[1]->e->op, TK_INC);
    assert_int_equal(s->body[2]->e->op, TK_DEC);
    /* a threshold may end with one ';' */
    assert_non_null(code_parse_expr("V > theta;", LOC, WHAT));
    assert_string_equal(g_diags, "");
}

static void test_print_number(void **state)
{
    (void)state;
    assert_string_equal(num(20, false), "20.0");
    assert_string_equal(num(20, true), "20.0f");
    assert_string_equal(num(0.1, false), "0.1");
    assert_string_equal(num(0.1, true), "0.1f");
    assert_string_equal(num(-0.5, false), "-0.5");
    assert_string_equal(num(0, false), "0.0");
    assert_string_equal(num(-0.0, false), "-0.0");
    assert_string_equal(num(1e20, false), "1e+20");
    assert_string_equal(num(1.5e-7, true), "1.5e-07f");
    assert_string_equal(num(1.0 / 3.0, false), "0.3333333333333333");
    assert_string_equal(num(1.0 / 3.0, true), "0.33333333f");
    assert_string_equal(num(INFINITY, false), "INFINITY");
    assert_string_equal(num(-1e300, true), "-INFINITY");
    assert_string_equal(num(NAN, false), "NAN");
    double vals[] = {0.1, 1.0 / 3.0, 2.0 / 3.0, 1e-300, 6.02214076e23, 123456789.123456789,
                     -65.0, 5e-324, 1.7976931348623157e308};
    for (int i = 0; i < (int)(sizeof vals / sizeof vals[0]); i++) {
        const char *s = num(vals[i], false);
        assert_true(strtod(s, NULL) == vals[i]);
        assert_non_null(strpbrk(s, ".e"));
        s = num(vals[i], true);
        if (strcmp(s, "INFINITY") != 0)
            assert_true(strtof(s, NULL) == (float)vals[i]);
    }
}

/* ---- syntax errors ------------------------------------------------------------------ */

static void test_syntax_errors(void **state)
{
    (void)state;
    assert_string_equal(errs("V = 1 $ 2;"), ERR(10, "unexpected character '$'"));
    assert_string_equal(errs("V = 1\n}"), ERR(10, "expected ';' after expression (got '}')"));
    assert_string_equal(errs("V = 1\nrefrac = 2;"),
                        ERR(10, "expected ';' after expression (got 'refrac')"));
    assert_string_equal(errs("V = 1;\n/* open\n\n"), ERR(11, "unterminated comment"));
    assert_string_equal(errs("V = 1;\n\n  refrac = 2 +;\n"),
                        ERR(12, "expected an expression (got ';')"));
    assert_string_equal(errs("V = $; V = @;"), ERR(10, "unexpected character '$'"));
    assert_string_equal(errs("V = 1 \x01;"), ERR(10, "unexpected character '\\x01'"));
    assert_string_equal(errs("V = V & 1;"),
                        ERR(10, "unexpected character '&' (did you mean '&&'?)"));
    assert_string_equal(errs("V = refrac = 3;"),
                        ERR(10, "assignment '=' is not allowed inside an expression "
                                "(did you mean '=='?)"));
    assert_string_equal(errs("if (V = 3) V = 1;"),
                        ERR(10, "assignment '=' is not allowed inside an expression "
                                "(did you mean '=='?)"));
    assert_string_equal(errs("V = exp(refrac += 1);"),
                        ERR(10, "assignment '+=' is not allowed inside an expression"));
    assert_string_equal(errs("V = exp(refrac++);"),
                        ERR(10, "'++' is not allowed inside an expression"));
    assert_string_equal(errs("V = --refrac;"),
                        ERR(10, "'--' is not allowed inside an expression"));
    assert_string_equal(errs("V + 1 = 2;"), ERR(10, "left side of '=' must be a variable name"));
    assert_string_equal(errs("exp(V)++;"), ERR(10, "operand of '++' must be a variable name"));
    assert_string_equal(errs("++3;"), ERR(10, "expected a variable name after '++' (got '3')"));
    assert_string_equal(errs("V == V_reset;"),
                        ERR(10, "statement has no effect (expected an assignment, '++', '--' "
                                "or a function call)"));
    assert_string_equal(errs("V V_reset;"),
                        ERR(10, "expected ';' after expression (got 'V_reset')"));
    assert_string_equal(errs("scalar x;"),
                        ERR(10, "declaration of 'x' needs an initial value: expected '=' "
                                "(got ';')"));
    assert_string_equal(errs("scalar = 1;"), ERR(10, "expected a name after 'scalar' (got '=')"));
    assert_string_equal(errs("\n{ V = 1;\n"),
                        ERR(11, "expected '}' to close this block (got end of input)"));
    assert_string_equal(errs("else V = 1;"), ERR(10, "'else' without a matching 'if'"));
    assert_string_equal(errs("if V > 0 V = 1;"), ERR(10, "expected '(' after 'if' (got 'V')"));
    assert_string_equal(errs("if (V > 0 V = 1;"),
                        ERR(10, "expected ')' after the condition (got 'V')"));
    assert_string_equal(errs("V = (V + 1;"), ERR(10, "expected ')' to close '(' (got ';')"));
    assert_string_equal(errs("V = exp(V;"),
                        ERR(10, "expected ')' after function arguments (got ';')"));
    assert_string_equal(errs("V = pow(V 2);"),
                        ERR(10, "expected ')' after function arguments (got '2')"));
    assert_string_equal(errs("V = V ? 1;"),
                        ERR(10, "expected ':' in conditional expression (got ';')"));
    assert_string_equal(errs("while (V > 0) V = 1;"),
                        ERR(10, "'while' is not supported in code strings"));
    assert_string_equal(errs("V = 1e999;"), ERR(10, "number '1e999' is out of range"));
    assert_string_equal(errs("V = 1.2.3;"), ERR(10, "invalid number '1.2.3'"));
    assert_string_equal(errs("V = 12abc;"), ERR(10, "invalid number '12abc'"));
    assert_string_equal(errs("V = if;"), ERR(10, "expected an expression (got 'if')"));
    assert_string_equal(errs("V = 1 +"), ERR(10, "expected an expression (got end of input)"));
    assert_string_equal(errs("V %= 2;"), ERR(10, "'%=' is not supported (write x = fmod(x, y))"));
    char deep[2000] = "V = ";
    for (int i = 0; i < 600; i++)
        strcat(deep, "(");
    assert_string_equal(errs(deep), ERR(10, "code nested too deeply"));
    assert_null(code_parse_stmts("V = ;", LOC, WHAT));
}

static void test_expr_errors(void **state)
{
    (void)state;
    assert_string_equal(expr_errs("V > theta"), "");
    assert_string_equal(expr_errs("V = theta"),
                        ERR(10, "assignment '=' is not allowed inside an expression "
                                "(did you mean '=='?)"));
    assert_string_equal(expr_errs("V > theta theta"),
                        ERR(10, "expected end of expression (got 'theta')"));
    assert_string_equal(expr_errs("V > theta;;"), ERR(10, "expected end of expression (got ';')"));
    assert_string_equal(expr_errs(""), ERR(10, "expected an expression (got end of input)"));
    assert_string_equal(expr_errs("V >\n\n thta"),
                        ERR(12, "unknown name 'thta' (did you mean 'theta'?)"));
    assert_null(code_parse_expr("V >", LOC, WHAT));
    /* no "what": just the message */
    g_diags[0] = '\0';
    code_parse_expr("$", LOC, NULL);
    assert_string_equal(g_diags, "t.lua:10: error: unexpected character '$'\n");
}

/* ---- resolution --------------------------------------------------------------------- */

static void test_resolve_errors(void **state)
{
    (void)state;
    assert_string_equal(errs("Vm = 1;"), ERR(10, "unknown name 'Vm' (did you mean 'V'?)"));
    assert_string_equal(errs("V = xyzzy;"), ERR(10, "unknown name 'xyzzy'"));
    assert_string_equal(errs("tau_m = 1;"), ERR(10, "cannot assign to parameter 'tau_m'"));
    assert_string_equal(errs("dt += 1;"), ERR(10, "cannot assign to built-in 'dt'"));
    assert_string_equal(errs("Isyn = 0;"), ERR(10, "cannot assign to input 'Isyn'"));
    assert_string_equal(errs("exp = 0;"), ERR(10, "cannot assign to function 'exp'"));
    assert_string_equal(errs("t++;"), ERR(10, "cannot assign to built-in 't'"));
    assert_string_equal(errs("V = exp(1, 2);"),
                        ERR(10, "function 'exp' takes 1 argument (got 2)"));
    assert_string_equal(errs("V = pow(V);"), ERR(10, "function 'pow' takes 2 arguments (got 1)"));
    assert_string_equal(errs("V = uniform(1);"),
                        ERR(10, "function 'uniform' takes 0 arguments (got 1)"));
    assert_string_equal(errs("V = V(1);"), ERR(10, "'V' is not a function"));
    assert_string_equal(errs("V = exp;"),
                        ERR(10, "function 'exp' used as a value (call it: exp(...))"));
    assert_string_equal(errs("V = expp(V);"),
                        ERR(10, "unknown function 'expp' (did you mean 'exp'?)"));
    assert_string_equal(errs("scalar x = 1; scalar x = 2;"), ERR(10, "'x' is already declared"));
    assert_string_equal(errs("scalar x = 1;\n{ int x = 2; }"),
                        ERR(11, "'x' is already declared"));
    assert_string_equal(errs("{ scalar kk = 1; }\nV = kk;"), ERR(11, "unknown name 'kk'"));
    assert_string_equal(errs("if (V > 0) scalar kk = 1; else V = kk;"),
                        ERR(10, "unknown name 'kk'"));
    assert_string_equal(errs("V = gain;\nscalar gain = 2;"),
                        ERR(10, "unknown name 'gain'"));
    assert_string_equal(errs("scalar gain = 2;\nV = gainn;"),
                        ERR(11, "unknown name 'gainn' (did you mean 'gain'?)"));
    /* every unknown name is reported, each at its own line */
    Stmt *s = code_parse_stmts("V = a1 + tau_mm;\n\nrefrac = V_rest;\ntheta = 1;", LOC, WHAT);
    g_diags[0] = '\0';
    assert_int_equal(code_resolve_stmts(s, SYMS, NSYMS, LOC, WHAT), 4);
    assert_string_equal(g_diags, ERR(10, "unknown name 'a1'")
                                 ERR(10, "unknown name 'tau_mm' (did you mean 'tau_m'?)")
                                 ERR(12, "unknown name 'V_rest' (did you mean 'V_reset'?)")
                                 ERR(13, "cannot assign to parameter 'theta'"));
}

static void test_resolve_ok(void **state)
{
    (void)state;
    Stmt *s = code_parse_stmts("scalar V = V * 2;\nrefrac = V + Isyn * dt + t;\nV++;", LOC, WHAT);
    assert_int_equal(code_resolve_stmts(s, SYMS, NSYMS, LOC, WHAT), 0);
    const Sym *local = s->body[0]->decl_sym;
    assert_non_null(local);
    assert_int_equal(local->kind, SYM_LOCAL);
    assert_true(local->writable);
    assert_string_equal(local->name, "V");
    assert_ptr_equal(s->body[0]->e->a->sym, &SYMS[4]); /* the initialiser reads the var */
    Expr *rhs = s->body[1]->e->b;
    assert_ptr_equal(s->body[1]->e->a->sym, &SYMS[5]);
    assert_ptr_equal(rhs->a->a->sym, local); /* V now means the local */
    assert_ptr_equal(s->body[2]->e->a->sym, local);
    /* locals in separate scopes may reuse a name; functions may be shadowed */
    assert_non_null(resolved("{ scalar k = 1; V = k; } { int k = 2; k += 1; V = k; }", NULL));
    assert_non_null(resolved("scalar exp = 2; V = exp * 2;", NULL));
    assert_string_equal(resolved("V = max(V, min(1, abs(V))) + fmod(V, 2) + pow(V, 2);", NULL),
                        "V = snn_fmax(V, snn_fmin(1.0, fabs(V))) + fmod(V, 2.0) + pow(V, 2.0);\n");
    Expr *e = code_parse_expr("V > theta && t > t_ref", LOC, "threshold");
    assert_int_equal(code_resolve_expr(e, SYMS, NSYMS, LOC, "threshold"), 0);
    assert_int_equal(e->a->b->sym->kind, SYM_PARAM);
    assert_false(code_uses_rng(NULL, e));
    assert_string_equal(g_diags, "");
}

/* ---- printing with callbacks -------------------------------------------------------- */

static void name_cb(void *ud, StrBuf *out, const Sym *sym)
{
    (void)ud;
    switch (sym->kind) {
    case SYM_PARAM: sb_printf(out, "p->%s", sym->name); break;
    case SYM_VAR: sb_printf(out, "v_%s[i]", sym->name); break;
    case SYM_LOCAL: sb_printf(out, "l%d_%s", sym->index, sym->name); break;
    default: sb_puts(out, sym->name); break;
    }
}

static void rng_cb(void *ud, StrBuf *out, const Sym *sym, char **argv, int argc)
{
    sb_printf(out, "rng_%s(%s", sym->name, (const char *)ud);
    for (int i = 0; i < argc; i++)
        sb_printf(out, ", %s", argv[i]);
    sb_putc(out, ')');
}

/* test_div_mod's integer names and constants: V is v_u, tau_m 112, theta 2.5; t_ref has
 * no known value */
static bool uint_cb(void *ud, StrBuf *out, const Sym *sym)
{
    (void)ud;
    if (strcmp(sym->name, "V") != 0)
        return false;
    sb_puts(out, "v_u");
    return true;
}

static bool num_cb(void *ud, const Sym *sym, double *v)
{
    (void)ud;
    if (strcmp(sym->name, "tau_m") == 0)
        *v = 112.0;
    else if (strcmp(sym->name, "theta") == 0)
        *v = 2.5;
    else
        return false;
    return true;
}

static void test_float_printing(void **state)
{
    (void)state;
    CodePrinter cp = {.is_float = true};
    assert_string_equal(resolved("V += -V * exp(-dt / tau_m) + 20 + sqrt(fabs(V)) + max(V, 1) "
                                 "+ V % 2;", &cp),
                        "V += -V * expf(-dt / tau_m) + 20.0f + sqrtf(fabsf(V)) + snn_fmaxf(V, 1.0f) "
                        "+ fmodf(V, 2.0f);\n");
    cp.is_float = false;
    assert_string_equal(resolved("V = exp(0.1);", &cp), "V = exp(0.1);\n");
}

static void test_callbacks(void **state)
{
    (void)state;
    CodePrinter cp = {.name = name_cb, .rng = rng_cb, .ud = (void *)"&rng"};
    const char *src = "scalar k = normal(); scalar u = uniform(); V = u + poisson(k * tau_m);"
                      " V += exponential(); if (V > theta) { int n = 1; n++; }";
    assert_string_equal(resolved(src, &cp),
                        "scalar l0_k = rng_normal(&rng);\n"
                        "scalar l1_u = rng_uniform(&rng);\n"
                        "v_V[i] = l1_u + rng_poisson(&rng, l0_k * p->tau_m);\n"
                        "v_V[i] += rng_exponential(&rng);\n"
                        "if (v_V[i] > p->theta) {\n"
                        "    int l2_n = 1.0;\n"
                        "    l2_n++;\n"
                        "}\n");
    Stmt *s = code_parse_stmts(src, LOC, WHAT);
    code_resolve_stmts(s, SYMS, NSYMS, LOC, WHAT);
    assert_true(code_uses_rng(s, NULL));
    s = code_parse_stmts("if (V > 0) { V = -exp(uniform()); }", LOC, WHAT);
    code_resolve_stmts(s, SYMS, NSYMS, LOC, WHAT);
    assert_true(code_uses_rng(s, NULL));
    s = code_parse_stmts("V = exp(V);", LOC, WHAT);
    code_resolve_stmts(s, SYMS, NSYMS, LOC, WHAT);
    assert_false(code_uses_rng(s, NULL));
    assert_false(code_uses_rng(NULL, NULL));
    Expr *e = code_parse_expr("uniform() < 0.5 * dt", LOC, WHAT);
    code_resolve_expr(e, SYMS, NSYMS, LOC, WHAT);
    assert_true(code_uses_rng(NULL, e));
    StrBuf out;
    sb_init(&out);
    code_print_expr(&out, e, &cp);
    assert_string_equal(out.buf, "rng_uniform(&rng) < 0.5 * dt");
    sb_release(&out);
    /* two draws in one statement: C would leave their order open */
    g_diags[0] = '\0';
    s = code_parse_stmts("V = 1;\nV = uniform() + normal();", LOC, WHAT);
    assert_int_equal(code_resolve_stmts(s, SYMS, NSYMS, LOC, WHAT), 1);
    assert_string_equal(g_diags, ERR(11, "more than one random draw in one statement (their "
                                         "order would be unspecified); draw into locals "
                                         "first, e.g. scalar u = uniform();"));
    e = code_parse_expr("uniform() < uniform()", LOC, WHAT);
    assert_int_equal(code_resolve_expr(e, SYMS, NSYMS, LOC, WHAT), 1);
}

/* ---- values: statements, then an expression (connectivity code) ---------------------- */

/* Parse and resolve a value; print its statements and then "= value". */
static const char *value(const char *src, const CodePrinter *cp)
{
    static char result[4096];
    Expr *e;
    Stmt *s = code_parse_value(src, LOC, WHAT, &e);
    if (!s || code_resolve_value(s, e, SYMS, NSYMS, LOC, WHAT) != 0)
        return NULL;
    StrBuf out;
    sb_init(&out);
    code_print_stmts(&out, s, 0, cp);
    sb_puts(&out, "= ");
    code_print_expr(&out, e, cp);
    snprintf(result, sizeof result, "%s", out.buf);
    sb_release(&out);
    return result;
}

static const char *value_errs(const char *src)
{
    g_diags[0] = '\0';
    Expr *e;
    Stmt *s = code_parse_value(src, LOC, WHAT, &e);
    if (s)
        code_resolve_value(s, e, SYMS, NSYMS, LOC, WHAT);
    return g_diags;
}

static void test_values(void **state)
{
    (void)state;
    /* a plain expression, with or without ';' */
    assert_string_equal(value("V * 2", NULL), "= V * 2.0");
    assert_string_equal(value(" V * 2 ; // done\n", NULL), "= V * 2.0");
    /* statements first; the value sees their locals; a call may stand as a statement */
    assert_string_equal(value("scalar d = V - theta;\nif (d < 0) d = -d;\nuniform();\n"
                              "exp(-d)", NULL),
                        "scalar d = V - theta;\n"
                        "if (d < 0.0) {\n"
                        "    d = -d;\n"
                        "}\n"
                        "uniform();\n"
                        "= exp(-d)");
    assert_string_equal(value("{ scalar x = 1; } int n = 2; n++; ++n; n + 1;", NULL),
                        "{\n    scalar x = 1.0;\n}\nint n = 2.0;\nn++;\nn++;\n= n + 1.0");
    /* a value that starts like a statement's expression */
    assert_string_equal(value("exp(V);", NULL), "= exp(V)");
    assert_string_equal(value("exp(V); exp(t)", NULL), "exp(V);\n= exp(t)");
    /* the scalar type can be spelled for the printer (connectivity code is double) */
    CodePrinter cp = {.scalar_name = "double"};
    assert_string_equal(value("scalar a = 1; int b = 2; a + b", &cp),
                        "double a = 1.0;\nint b = 2.0;\n= a + b");
    /* errors */
    assert_string_equal(value_errs("scalar d = 1;"),
                        ERR(10, "expected an expression giving the value at the end (got end "
                                "of input)"));
    assert_string_equal(value_errs(""),
                        ERR(10, "expected an expression giving the value at the end (got end "
                                "of input)"));
    assert_string_equal(value_errs("V;\nexp(V)"),
                        ERR(10, "statement has no effect (expected an assignment, '++', '--' "
                                "or a function call)"));
    assert_string_equal(value_errs("scalar d = 1;\nd + Vx"),
                        ERR(11, "unknown name 'Vx' (did you mean 'V'?)"));
    assert_string_equal(value_errs("V * 2 V"),
                        ERR(10, "expected ';' after expression (got 'V')"));
    assert_string_equal(value_errs("uniform() + normal()"),
                        ERR(10, "more than one random draw in one statement (their order "
                                "would be unspecified); draw into locals first, e.g. "
                                "scalar u = uniform();"));
    /* a local of the statements is not visible after its block */
    assert_string_equal(value_errs("{ scalar q = 1; }\nq"), ERR(11, "unknown name 'q'"));
}

static void test_div_mod(void **state)
{
    (void)state;
    assert_string_equal(resolved("V = div(V, 3) + mod(V - 1, 16);", NULL),
                        "V = snn_div(V, 3.0) + snn_mod(V - 1.0, 16.0);\n");
    CodePrinter cp = {.is_float = true};
    assert_string_equal(resolved("V = div(V, 3) + mod(V, 16);", &cp),
                        "V = snn_divf(V, 3.0f) + snn_modf(V, 16.0f);\n");
    assert_string_equal(errs("V = mod(V);"), ERR(10, "function 'mod' takes 2 arguments (got 1)"));
    /* snn_div and snn_mod themselves: tests/unit/test_rt_rng.c */
    /* integer '/' and '%' (CodePrinter.uint_name, .num): a name that holds an unsigned
     * integer, by a positive whole constant below 2^32 (a literal or a known name) */
    CodePrinter ci = {.uint_name = uint_cb, .num = num_cb};
    assert_string_equal(resolved("V = div(V, 3) + mod(V, tau_m) + div(V, 4294967295);", &ci),
                        "V = ((double)((uint32_t)(v_u) / 3u)) + ((double)((uint32_t)(v_u) % "
                        "112u)) + ((double)((uint32_t)(v_u) / 4294967295u));\n");
    /* otherwise snn_div / snn_mod: not a whole constant, not positive, too large, not
     * known, not an unsigned name, not a name */
    assert_string_equal(resolved("V = mod(V, theta) + mod(V, 0) + div(V, -16) + "
                                 "mod(V, 4294967296) + div(V, 2.5) + mod(V, t_ref) + "
                                 "div(refrac, 16) + mod(V + 1, 16);", &ci),
                        "V = snn_mod(V, theta) + snn_mod(V, 0.0) + snn_div(V, -16.0) + "
                        "snn_mod(V, 4294967296.0) + snn_div(V, 2.5) + snn_mod(V, t_ref) + "
                        "snn_div(refrac, 16.0) + snn_mod(V + 1.0, 16.0);\n");
    ci.is_float = true; /* float: snn_divf / snn_modf */
    assert_string_equal(resolved("V = div(V, 3);", &ci), "V = snn_divf(V, 3.0f);\n");
}

/* code_may_assign: what synapse code stores back (lower.c emit_syn_code_at) */
static void test_may_assign(void **state)
{
    (void)state;
    Stmt *s = code_parse_stmts("V = theta * V + tau_m;", LOC, WHAT);
    assert_true(code_may_assign(s, "V"));
    assert_false(code_may_assign(s, "theta"));
    assert_false(code_may_assign(s, "tau_m"));
    s = code_parse_stmts("if (V > 0) { scalar k = 1; { theta += k; } } else { tau_m++; }", LOC,
                         WHAT);
    assert_true(code_may_assign(s, "theta")); /* in a nested block of one branch */
    assert_true(code_may_assign(s, "tau_m")); /* ++ in the else branch */
    assert_false(code_may_assign(s, "V"));
    assert_false(code_may_assign(s, "k")); /* declared, not assigned */
    s = code_parse_stmts("--V; theta *= 2.0;", LOC, WHAT);
    assert_true(code_may_assign(s, "V"));
    assert_true(code_may_assign(s, "theta"));
    assert_false(code_may_assign(NULL, "V"));
}

static void test_line_directives(void **state)
{
    (void)state;
    CodePrinter cp = {.line_file = "models/x.lua", .line_base = 20};
    const char *src = "V = 1;\n"
                      "if (V > 0) {\n"
                      "  refrac = 2;\n"
                      "} else V = 3; refrac = 4;\n"
                      "\n"
                      "  V++; V--;\n";
    assert_string_equal(resolved(src, &cp),
                        "#line 20 \"models/x.lua\"\n"
                        "V = 1.0;\n"
                        "#line 21 \"models/x.lua\"\n"
                        "if (V > 0.0) {\n"
                        "#line 22 \"models/x.lua\"\n"
                        "    refrac = 2.0;\n"
                        "} else {\n"
                        "#line 23 \"models/x.lua\"\n"
                        "    V = 3.0;\n"
                        "}\n"
                        "refrac = 4.0;\n"
                        "#line 25 \"models/x.lua\"\n"
                        "V++;\n"
                        "V--;\n");
    cp.line_file = "a \"b\"\\c.lua";
    cp.line_base = 1;
    assert_string_equal(resolved("V = 1;", &cp), "#line 1 \"a \\\"b\\\"\\\\c.lua\"\nV = 1.0;\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lif_sim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_egp_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unary_and_ternary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_statements, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers_and_positions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_print_number, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expr_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_float_printing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callbacks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_directives, setup, teardown),
        cmocka_unit_test_setup_teardown(test_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_div_mod, setup, teardown),
        cmocka_unit_test_setup_teardown(test_may_assign, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
