/*
 * expr.c - code strings (sim, threshold, reset): lexer, parser, resolver and printer.
 *
 * A code string is a small C subset.  It is parsed by recursive descent with one token of
 * lookahead, stopping at the first syntax error; names are then resolved against locals,
 * the model's symbols and the built-in math/RNG functions, reporting every bad name; and
 * the tree is printed back as C.  Choices worth knowing:
 *  - code_parse_stmts returns an ST_BLOCK of the top-level statements; code_print_stmts
 *    prints a block's statements without braces (the caller provides the scope).
 *  - Literals always print as floating constants ("3.0", "3.0f"), so 1/2 is 0.5;
 *    true/false are number literals that print as 1/0; a % b prints as fmod(a, b).
 *  - min/max/abs are aliases of fmin/fmax/fabs; fmin/fmax print as snn_fmin/snn_fmax
 *    (inline, glibc's values) and div/mod (floored division and modulo) as
 *    snn_div/snn_mod (snn_philox.h).  Only assignments, ++/-- and calls may
 *    stand as statements.  A threshold expression may end with one ';'.
 *  - Locals may shadow symbols and functions, not other visible locals.  An initialiser
 *    does not see its own local (scalar V = V * 2 reads the state variable), so the
 *    printer's name() callback must spell SYM_LOCAL names apart from symbols.
 */
#include "snncc.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- tokens ------------------------------------------------------------------------- */

enum {
    TK_NUM = 300, // number literal
    TK_IDENT,     // identifier or keyword
    TK_EOF,       // end of the string
};

/* Operator and punctuation spellings; two-character ones first for the lexer. */
static const struct {
    const char *s;
    int kind;
} puncts[] = {
    {"==", TK_EQ}, {"!=", TK_NE}, {"<=", TK_LE}, {">=", TK_GE}, {"&&", TK_AND},
    {"||", TK_OR}, {"+=", TK_ADD_ASSIGN}, {"-=", TK_SUB_ASSIGN}, {"*=", TK_MUL_ASSIGN},
    {"/=", TK_DIV_ASSIGN}, {"++", TK_INC}, {"--", TK_DEC},
    {"(", '('}, {")", ')'}, {"{", '{'}, {"}", '}'}, {";", ';'}, {",", ','}, {"?", '?'},
    {":", ':'}, {"[", '['}, {"]", ']'}, {"+", '+'}, {"-", '-'}, {"*", '*'}, {"/", '/'}, {"%", '%'}, {"<", '<'},
    {">", '>'}, {"=", '='}, {"!", '!'},
};

static const char *op_str(int kind)
{
    for (size_t i = 0; i < sizeof puncts / sizeof puncts[0]; i++)
        if (puncts[i].kind == kind)
            return puncts[i].s;
    return "?";
}

static bool is_assign_op(int k)
{
    return k == '=' || k == TK_ADD_ASSIGN || k == TK_SUB_ASSIGN || k == TK_MUL_ASSIGN ||
           k == TK_DIV_ASSIGN;
}

static const char *const decl_types[] = {"scalar", "float", "double", "int", "bool"};
static const char *const unsupported[] = {"while", "for",   "do",      "return", "switch",
                                          "case",  "break", "continue", "goto",  "default"};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static bool in_list(const char *s, int len, const char *const *list, int n)
{
    for (int i = 0; i < n; i++)
        if ((int)strlen(list[i]) == len && strncmp(s, list[i], (size_t)len) == 0)
            return true;
    return false;
}

typedef struct Token {
    int kind;
    const char *start;
    int len;
    int line, col;
    double num;
    bool is_int;
} Token;

/* ---- errors ------------------------------------------------------------------------- */

/* "file:LINE: error: what: msg" with LINE counted from the string's first line. */
static void report(SrcLoc loc, const char *what, int line, const char *msg)
{
    SrcLoc at = {loc.file, loc.line > 0 ? loc.line + line - 1 : 0};
    if (what && *what)
        diag_error(at, "%s: %s", what, msg);
    else
        diag_error(at, "%s", msg);
}

/* ---- lexer -------------------------------------------------------------------------- */

#define MAX_DEPTH 256

typedef struct Parser {
    const char *cur, *line_start;
    int line;
    Token tok;     /* the lookahead */
    int prev_line; /* line of the token before it */
    int depth;
    SrcLoc loc;
    const char *what;
    char got[64];
    jmp_buf fail;
} Parser;

__attribute__((format(printf, 3, 4), noreturn))
static void syntax_error(Parser *p, int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    report(p->loc, p->what, line, msg);
    longjmp(p->fail, 1);
}

/* The lookahead as messages show it: 'x' or end of input. */
static const char *got(Parser *p)
{
    if (p->tok.kind == TK_EOF)
        return "end of input";
    int len = p->tok.len > 40 ? 40 : p->tok.len;
    snprintf(p->got, sizeof p->got, "'%.*s'", len, p->tok.start);
    return p->got;
}

static bool tok_is(const Token *t, const char *s)
{
    return t->kind == TK_IDENT && in_list(t->start, t->len, &s, 1);
}

static void skip_space(Parser *p)
{
    for (;;) {
        char c = *p->cur;
        if (c == '\n') {
            p->line++;
            p->line_start = ++p->cur;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            p->cur++;
        } else if (c == '/' && p->cur[1] == '/') {
            while (*p->cur && *p->cur != '\n')
                p->cur++;
        } else if (c == '/' && p->cur[1] == '*') {
            int line = p->line;
            for (p->cur += 2; !(p->cur[0] == '*' && p->cur[1] == '/'); p->cur++) {
                if (!*p->cur)
                    syntax_error(p, line, "unterminated comment");
                if (*p->cur == '\n') {
                    p->line++;
                    p->line_start = p->cur + 1;
                }
            }
            p->cur += 2;
        } else {
            return;
        }
    }
}

static bool is_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* digits [. digits] [e [+-] digits] [f]; C's forms 1, 1., .5, 1e-3, 2.5f. */
static void lex_number(Parser *p, Token *t)
{
    const char *s = p->cur;
    bool is_int = true;
    while (isdigit((unsigned char)*s))
        s++;
    if (*s == '.') {
        is_int = false;
        for (s++; isdigit((unsigned char)*s);)
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        const char *e = s + 1;
        if (*e == '+' || *e == '-')
            e++;
        if (isdigit((unsigned char)*e)) {
            is_int = false;
            for (s = e; isdigit((unsigned char)*s);)
                s++;
        }
    }
    const char *end = s; /* value text ends here */
    if (*s == 'f' || *s == 'F') {
        is_int = false;
        s++;
    }
    if (is_ident_char(*s) || *s == '.') {
        while (is_ident_char(*s) || *s == '.')
            s++;
        syntax_error(p, p->line, "invalid number '%.*s'", (int)(s - p->cur), p->cur);
    }
    char buf[128];
    int n = (int)(end - p->cur);
    if (n >= (int)sizeof buf)
        syntax_error(p, p->line, "number '%.20s...' is too long", p->cur);
    memcpy(buf, p->cur, (size_t)n);
    buf[n] = '\0';
    t->num = strtod(buf, NULL);
    if (isinf(t->num))
        syntax_error(p, p->line, "number '%s' is out of range", buf);
    t->kind = TK_NUM;
    t->is_int = is_int;
    t->len = (int)(s - p->cur);
}

static void next(Parser *p)
{
    p->prev_line = p->tok.line;
    skip_space(p);
    Token *t = &p->tok;
    *t = (Token){.start = p->cur, .line = p->line, .col = (int)(p->cur - p->line_start) + 1};
    char c = *p->cur;
    if (!c) {
        t->kind = TK_EOF;
    } else if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)p->cur[1]))) {
        lex_number(p, t);
    } else if (isalpha((unsigned char)c) || c == '_') {
        const char *s = p->cur;
        while (is_ident_char(*s))
            s++;
        t->kind = TK_IDENT;
        t->len = (int)(s - p->cur);
    } else if (c == '%' && p->cur[1] == '=') {
        syntax_error(p, p->line, "'%%=' is not supported (write x = fmod(x, y))");
    } else {
        for (size_t i = 0; i < sizeof puncts / sizeof puncts[0] && !t->kind; i++) {
            size_t n = strlen(puncts[i].s);
            if (strncmp(p->cur, puncts[i].s, n) == 0) {
                t->kind = puncts[i].kind;
                t->len = (int)n;
            }
        }
        if (!t->kind) {
            if ((c == '&' || c == '|') && p->cur[1] != c)
                syntax_error(p, p->line, "unexpected character '%c' (did you mean '%c%c'?)", c,
                             c, c);
            if (isprint((unsigned char)c))
                syntax_error(p, p->line, "unexpected character '%c'", c);
            syntax_error(p, p->line, "unexpected character '\\x%02x'", (unsigned char)c);
        }
    }
    p->cur += t->len;
}

/* ---- parser ------------------------------------------------------------------------- */

static Expr *expr(Parser *p);
static Stmt *stmt(Parser *p);

static void enter(Parser *p)
{
    if (++p->depth > MAX_DEPTH)
        syntax_error(p, p->tok.line, "code nested too deeply");
}

/* An assignment or ++/-- where an expression goes on: say so plainly. */
static void check_misplaced(Parser *p)
{
    int k = p->tok.kind;
    if (k == '=')
        syntax_error(p, p->tok.line, "assignment '=' is not allowed inside an expression "
                                     "(did you mean '=='?)");
    if (is_assign_op(k))
        syntax_error(p, p->tok.line, "assignment '%s' is not allowed inside an expression",
                     op_str(k));
    if (k == TK_INC || k == TK_DEC)
        syntax_error(p, p->tok.line, "'%s' is not allowed inside an expression", op_str(k));
}

/* expect(p, ';', "after expression"): "expected ';' after expression (got '}')". */
static void expect(Parser *p, int kind, const char *where)
{
    if (p->tok.kind == kind) {
        next(p);
        return;
    }
    check_misplaced(p);
    /* a missing ';' belongs to the line it should end, not the next statement's */
    int line = kind == ';' ? p->prev_line : p->tok.line;
    syntax_error(p, line, "expected '%s' %s (got %s)", op_str(kind), where, got(p));
}

static Expr *new_expr(ExprKind kind, const Token *t)
{
    Expr *e = arena_alloc(sizeof *e);
    e->kind = kind;
    e->line = t->line;
    e->col = t->col;
    return e;
}

static Stmt *new_stmt(StmtKind kind, const Token *t)
{
    Stmt *s = arena_alloc(sizeof *s);
    s->kind = kind;
    s->line = t->line;
    s->col = t->col;
    return s;
}

/* Binding strength of a binary operator token; 0 when it is not one. */
enum { PREC_NONE, PREC_COND, PREC_OR, PREC_AND, PREC_EQ, PREC_REL, PREC_ADD, PREC_MUL,
       PREC_UNARY, PREC_PRIMARY };

static int binop_prec(int op)
{
    switch (op) {
    case TK_OR: return PREC_OR;
    case TK_AND: return PREC_AND;
    case TK_EQ: case TK_NE: return PREC_EQ;
    case '<': case '>': case TK_LE: case TK_GE: return PREC_REL;
    case '+': case '-': return PREC_ADD;
    case '*': case '/': case '%': return PREC_MUL;
    default: return PREC_NONE;
    }
}

/* primary = "(" expr ")" | number | true | false | ident ["(" args ")"] */
static Expr *primary(Parser *p)
{
    Token t = p->tok;
    if (t.kind == '(') {
        next(p);
        Expr *e = expr(p);
        expect(p, ')', "to close '('");
        return e;
    }
    if (t.kind == TK_NUM) {
        Expr *e = new_expr(EX_NUM, &t);
        e->num = t.num;
        e->is_int = t.is_int;
        next(p);
        return e;
    }
    if (tok_is(&t, "true") || tok_is(&t, "false")) {
        Expr *e = new_expr(EX_NUM, &t);
        e->num = tok_is(&t, "true");
        e->is_int = true;
        e->name = tok_is(&t, "true") ? "true" : "false"; /* prints as 1 / 0 */
        next(p);
        return e;
    }
    if (t.kind == TK_IDENT && in_list(t.start, t.len, unsupported, COUNT(unsupported)))
        syntax_error(p, t.line, "'%.*s' is not supported in code strings", t.len, t.start);
    if (t.kind != TK_IDENT || tok_is(&t, "if") || tok_is(&t, "else") ||
        in_list(t.start, t.len, decl_types, COUNT(decl_types))) {
        check_misplaced(p);
        syntax_error(p, t.line, "expected an expression (got %s)", got(p));
    }
    Expr *e = new_expr(EX_NAME, &t);
    e->name = arena_strndup(t.start, (size_t)t.len);
    next(p);
    if (p->tok.kind == '[') { /* name[index]: an element of an extra global parameter */
        e->kind = EX_INDEX;
        next(p);
        e->a = expr(p);
        expect(p, ']', "to close '['");
        return e;
    }
    if (p->tok.kind != '(')
        return e;
    e->kind = EX_CALL;
    next(p);
    int cap = 0;
    while (p->tok.kind != ')') {
        if (e->nargs > 0)
            expect(p, ',', "between arguments");
        e->args = arena_grow(e->args, &cap, e->nargs + 1, sizeof *e->args);
        e->args[e->nargs++] = expr(p);
        if (p->tok.kind != ',' && p->tok.kind != ')')
            expect(p, ')', "after function arguments");
    }
    next(p);
    return e;
}

/* unary = ("-" | "+" | "!") unary | primary */
static Expr *unary(Parser *p)
{
    int k = p->tok.kind;
    if (k == '-' || k == '+' || k == '!') {
        Expr *e = new_expr(EX_UNARY, &p->tok);
        e->op = k;
        next(p);
        enter(p);
        e->a = unary(p);
        p->depth--;
        return e;
    }
    check_misplaced(p);
    return primary(p);
}

/* Binary operators by precedence climbing: everything binding at least min_prec. */
static Expr *binary(Parser *p, int min_prec)
{
    Expr *lhs = unary(p);
    for (;;) {
        int prec = binop_prec(p->tok.kind);
        if (prec == PREC_NONE || prec < min_prec)
            return lhs;
        Expr *e = new_expr(EX_BINARY, &p->tok);
        e->op = p->tok.kind;
        next(p);
        e->a = lhs;
        e->b = binary(p, prec + 1);
        lhs = e;
    }
}

/* expr = binary ["?" expr ":" expr] */
static Expr *expr(Parser *p)
{
    enter(p);
    Expr *c = binary(p, PREC_OR);
    if (p->tok.kind == '?') {
        Expr *e = new_expr(EX_COND, &p->tok);
        next(p);
        e->a = c;
        e->b = expr(p);
        expect(p, ':', "in conditional expression");
        e->c = expr(p);
        c = e;
    }
    p->depth--;
    return c;
}

/* The rest of an expression statement whose first expression 'lhs' (which began at
 * 'start') is parsed: "op= expr", "++", "--", or nothing for a call. */
static Stmt *expr_stmt_rest(Parser *p, const Token *start, Expr *lhs)
{
    Stmt *s = new_stmt(ST_EXPR, start);
    int k = p->tok.kind;
    if (is_assign_op(k) || k == TK_INC || k == TK_DEC) {
        if (lhs->kind != EX_NAME)
            syntax_error(p, p->tok.line, "%s of '%s' must be a variable name",
                         k == TK_INC || k == TK_DEC ? "operand" : "left side", op_str(k));
        s->e = new_expr(is_assign_op(k) ? EX_ASSIGN : EX_INCDEC, start);
        s->e->op = k;
        s->e->a = lhs;
        next(p);
        if (is_assign_op(k))
            s->e->b = expr(p);
    } else if (lhs->kind == EX_CALL || p->tok.kind != ';') {
        s->e = lhs;
    } else {
        syntax_error(p, start->line, "statement has no effect (expected an assignment, "
                                     "'++', '--' or a function call)");
    }
    expect(p, ';', "after expression");
    return s;
}

/* expression statement: name op= expr | name++ | ++name | call */
static Stmt *expr_stmt(Parser *p)
{
    Token start = p->tok;
    int k = start.kind;
    if (k != TK_INC && k != TK_DEC)
        return expr_stmt_rest(p, &start, expr(p));
    Stmt *s = new_stmt(ST_EXPR, &start);
    next(p);
    if (p->tok.kind != TK_IDENT)
        syntax_error(p, p->tok.line, "expected a variable name after '%s' (got %s)",
                     op_str(k), got(p));
    Expr *name = primary(p);
    if (name->kind != EX_NAME)
        syntax_error(p, name->line, "operand of '%s' must be a variable name", op_str(k));
    s->e = new_expr(EX_INCDEC, &start);
    s->e->op = k;
    s->e->a = name;
    expect(p, ';', "after expression");
    return s;
}

/* Statements up to (not including) 'end' into block b. */
static void stmt_list(Parser *p, Stmt *b, int end)
{
    int cap = 0;
    while (p->tok.kind != end && p->tok.kind != TK_EOF) {
        b->body = arena_grow(b->body, &cap, b->n + 1, sizeof *b->body);
        b->body[b->n++] = stmt(p);
    }
}

static Stmt *stmt(Parser *p)
{
    Token t = p->tok;
    Stmt *s;
    enter(p);
    if (t.kind == ';') {
        s = new_stmt(ST_EMPTY, &t);
        next(p);
    } else if (t.kind == '{') {
        s = new_stmt(ST_BLOCK, &t);
        next(p);
        stmt_list(p, s, '}');
        if (p->tok.kind != '}')
            syntax_error(p, t.line, "expected '}' to close this block (got %s)", got(p));
        next(p);
    } else if (tok_is(&t, "if")) {
        s = new_stmt(ST_IF, &t);
        next(p);
        expect(p, '(', "after 'if'");
        s->e = expr(p);
        expect(p, ')', "after the condition");
        s->then = stmt(p);
        if (tok_is(&p->tok, "else")) {
            next(p);
            s->els = stmt(p);
        }
    } else if (tok_is(&t, "else")) {
        syntax_error(p, t.line, "'else' without a matching 'if'");
    } else if (t.kind == TK_IDENT && in_list(t.start, t.len, decl_types, COUNT(decl_types))) {
        s = new_stmt(ST_DECL, &t);
        s->decl_type = arena_strndup(t.start, (size_t)t.len);
        next(p);
        Token n = p->tok;
        if (n.kind != TK_IDENT || tok_is(&n, "if") || tok_is(&n, "else") ||
            tok_is(&n, "true") || tok_is(&n, "false") ||
            in_list(n.start, n.len, decl_types, COUNT(decl_types)) ||
            in_list(n.start, n.len, unsupported, COUNT(unsupported)))
            syntax_error(p, n.line, "expected a name after '%s' (got %s)", s->decl_type, got(p));
        s->decl_name = arena_strndup(n.start, (size_t)n.len);
        next(p);
        if (p->tok.kind != '=')
            syntax_error(p, p->tok.line, "declaration of '%s' needs an initial value: "
                         "expected '=' (got %s)", s->decl_name, got(p));
        next(p);
        s->e = expr(p);
        expect(p, ';', "after declaration");
    } else {
        s = expr_stmt(p);
    }
    p->depth--;
    return s;
}

static void parser_init(Parser *p, const char *src, SrcLoc loc, const char *what)
{
    *p = (Parser){.cur = src ? src : "", .line = 1, .loc = loc, .what = what};
    p->line_start = p->cur;
}

static Stmt *parse_toplevel(Parser *p)
{
    next(p);
    Stmt *b = new_stmt(ST_BLOCK, &(Token){.line = 1, .col = 1});
    stmt_list(p, b, TK_EOF);
    return b;
}

Stmt *code_parse_stmts(const char *src, SrcLoc loc, const char *what)
{
    Parser p;
    parser_init(&p, src, loc, what);
    if (setjmp(p.fail))
        return NULL;
    return parse_toplevel(&p);
}

static Expr *parse_whole_expr(Parser *p)
{
    next(p);
    Expr *e = expr(p);
    if (p->tok.kind == ';')
        next(p);
    if (p->tok.kind != TK_EOF) {
        check_misplaced(p);
        syntax_error(p, p->tok.line, "expected end of expression (got %s)", got(p));
    }
    return e;
}

Expr *code_parse_expr(const char *src, SrcLoc loc, const char *what)
{
    Parser p;
    parser_init(&p, src, loc, what);
    if (setjmp(p.fail))
        return NULL;
    return parse_whole_expr(&p);
}

/* Does the lookahead begin a statement that cannot be an expression (';', '{', if, else,
 * a declaration, prefix ++ / --)? */
static bool starts_plain_stmt(Parser *p)
{
    const Token *t = &p->tok;
    return t->kind == ';' || t->kind == '{' || t->kind == TK_INC || t->kind == TK_DEC ||
           tok_is(t, "if") || tok_is(t, "else") ||
           (t->kind == TK_IDENT && in_list(t->start, t->len, decl_types, COUNT(decl_types)));
}

/* statements, then the value: an expression with an optional ';' at the very end */
static Stmt *parse_value(Parser *p, Expr **value)
{
    next(p);
    Stmt *b = new_stmt(ST_BLOCK, &(Token){.line = 1, .col = 1});
    int cap = 0;
    for (;;) {
        if (p->tok.kind == TK_EOF)
            syntax_error(p, p->tok.line, "expected an expression giving the value at the end "
                                         "(got end of input)");
        Stmt *s;
        if (starts_plain_stmt(p)) {
            s = stmt(p);
        } else {
            Token start = p->tok;
            Expr *e = expr(p);
            int k = p->tok.kind;
            if (k == TK_EOF) {
                *value = e;
                return b;
            }
            if (k == ';') {
                /* "e;" at the very end is the value; elsewhere a call statement */
                const char *save_cur = p->cur, *save_ls = p->line_start;
                int save_line = p->line, save_prev = p->prev_line;
                Token save_tok = p->tok;
                next(p);
                if (p->tok.kind == TK_EOF) {
                    *value = e;
                    return b;
                }
                p->cur = save_cur, p->line_start = save_ls, p->line = save_line;
                p->prev_line = save_prev, p->tok = save_tok;
            }
            s = expr_stmt_rest(p, &start, e);
        }
        b->body = arena_grow(b->body, &cap, b->n + 1, sizeof *b->body);
        b->body[b->n++] = s;
    }
}

Stmt *code_parse_value(const char *src, SrcLoc loc, const char *what, Expr **value)
{
    Parser p;
    parser_init(&p, src, loc, what);
    *value = NULL;
    if (setjmp(p.fail))
        return NULL;
    return parse_value(&p, value);
}

/* ---- resolution --------------------------------------------------------------------- */

/* Built-in functions; 'index' is unused.  Aliases print as their C function. */
static const Sym builtins[] = {
    {"exp", SYM_MATH, 0, false, 1},   {"expm1", SYM_MATH, 0, false, 1},
    {"log", SYM_MATH, 0, false, 1},   {"log1p", SYM_MATH, 0, false, 1},
    {"log10", SYM_MATH, 0, false, 1}, {"sqrt", SYM_MATH, 0, false, 1},
    {"pow", SYM_MATH, 0, false, 2},   {"fabs", SYM_MATH, 0, false, 1},
    {"sin", SYM_MATH, 0, false, 1},   {"cos", SYM_MATH, 0, false, 1},
    {"tan", SYM_MATH, 0, false, 1},   {"tanh", SYM_MATH, 0, false, 1},
    {"sinh", SYM_MATH, 0, false, 1},  {"cosh", SYM_MATH, 0, false, 1},
    {"atan", SYM_MATH, 0, false, 1},  {"atan2", SYM_MATH, 0, false, 2},
    {"floor", SYM_MATH, 0, false, 1}, {"ceil", SYM_MATH, 0, false, 1},
    {"round", SYM_MATH, 0, false, 1}, {"fmin", SYM_MATH, 0, false, 2},
    {"fmax", SYM_MATH, 0, false, 2},  {"fmod", SYM_MATH, 0, false, 2},
    {"min", SYM_MATH, 0, false, 2},   {"max", SYM_MATH, 0, false, 2},
    {"abs", SYM_MATH, 0, false, 1},   {"div", SYM_MATH, 0, false, 2},
    {"mod", SYM_MATH, 0, false, 2},
    {"uniform", SYM_RNG, 0, false, 0}, {"normal", SYM_RNG, 0, false, 0},
    {"exponential", SYM_RNG, 0, false, 0}, {"poisson", SYM_RNG, 0, false, 1},
};

static const char *math_c_name(const char *name)
{
    static const char *const alias[][2] = {{"min", "snn_fmin"}, {"max", "snn_fmax"},
                                           {"fmin", "snn_fmin"}, {"fmax", "snn_fmax"},
                                           {"abs", "fabs"}, {"div", "snn_div"},
                                           {"mod", "snn_mod"}};
    for (int i = 0; i < COUNT(alias); i++)
        if (strcmp(name, alias[i][0]) == 0)
            return alias[i][1];
    return name;
}

static bool is_func(const Sym *s)
{
    return s->kind == SYM_MATH || s->kind == SYM_RNG || s->kind == SYM_ADDTO;
}

typedef struct Resolver {
    const Sym *syms;
    int nsyms;
    SrcLoc loc;
    const char *what;
    const Sym **locals; /* visible locals, innermost last */
    int nlocals, cap;
    int next_id;
    int errors;
    bool stmt_call; /* the call being resolved is a whole statement (add_to_post(x);) */
} Resolver;

__attribute__((format(printf, 3, 4)))
static void resolve_error(Resolver *r, int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    report(r->loc, r->what, line, msg);
    r->errors++;
}

static const Sym *find_local(const Resolver *r, const char *name)
{
    for (int i = r->nlocals - 1; i >= 0; i--)
        if (strcmp(r->locals[i]->name, name) == 0)
            return r->locals[i];
    return NULL;
}

static const Sym *lookup(const Resolver *r, const char *name)
{
    const Sym *s = find_local(r, name);
    for (int i = 0; !s && i < r->nsyms; i++)
        if (strcmp(r->syms[i].name, name) == 0)
            s = &r->syms[i];
    for (int i = 0; !s && i < COUNT(builtins); i++)
        if (strcmp(builtins[i].name, name) == 0)
            s = &builtins[i];
    return s;
}

/* "unknown name 'Vm' (did you mean 'V'?)" over every visible name. */
static void unknown(Resolver *r, const Expr *e, const char *what)
{
    int n = 0;
    const char **cands = arena_alloc(sizeof *cands * (size_t)(r->nlocals + r->nsyms +
                                                               COUNT(builtins)));
    for (int i = 0; i < r->nlocals; i++)
        cands[n++] = r->locals[i]->name;
    for (int i = 0; i < r->nsyms; i++)
        cands[n++] = r->syms[i].name;
    for (int i = 0; i < COUNT(builtins); i++)
        cands[n++] = builtins[i].name;
    char hint[128];
    diag_hint(hint, sizeof hint, e->name, cands, n);
    resolve_error(r, e->line, "unknown %s '%s'%s", what, e->name, hint);
}

static const char *sym_kind_desc(const Sym *s)
{
    switch (s->kind) {
    case SYM_PARAM: return "parameter";
    case SYM_VAR: return "read-only variable";
    case SYM_BUILTIN: return "built-in";
    case SYM_INPUT: return "input";
    case SYM_LOCAL: return "local";
    case SYM_MATH: case SYM_RNG: case SYM_ADDTO: return "function";
    case SYM_SYN: return "synapse variable";
    case SYM_PRE: return "presynaptic variable";
    case SYM_POST: return "postsynaptic variable";
    case SYM_EGP: return "extra global parameter";
    case SYM_PRE_NEURON: return "presynaptic neuron variable (read only in synapse code)";
    case SYM_POST_NEURON: return "postsynaptic neuron variable (read only in synapse code)";
    case SYM_REF: return "read-only variable reference";
    }
    return "name";
}

static void resolve_expr(Resolver *r, Expr *e);

/* The name assigned to by =, op= or ++/--. */
static void resolve_target(Resolver *r, Expr *e)
{
    const Sym *s = lookup(r, e->name);
    if (!s) {
        unknown(r, e, "name");
        return;
    }
    if (is_func(s) || !s->writable)
        resolve_error(r, e->line, "cannot assign to %s '%s'%s", sym_kind_desc(s), e->name,
                      s->kind == SYM_REF ? " (declare it with ref_rw to write it)" : "");
    if (!is_func(s))
        e->sym = s;
}

static void resolve_call(Resolver *r, Expr *e)
{
    const Sym *s = lookup(r, e->name);
    bool whole = r->stmt_call;
    r->stmt_call = false;
    if (s && s->kind == SYM_ADDTO && !whole)
        resolve_error(r, e->line, "'%s(...)' is a statement of its own, not a value "
                      "(write %s(x);)", e->name, e->name);
    if (!s)
        unknown(r, e, "function");
    else if (!is_func(s))
        resolve_error(r, e->line, "'%s' is not a function", e->name);
    else if (s->nargs != e->nargs)
        resolve_error(r, e->line, "function '%s' takes %d argument%s (got %d)", e->name,
                      s->nargs, s->nargs == 1 ? "" : "s", e->nargs);
    else
        e->sym = s;
    for (int i = 0; i < e->nargs; i++)
        resolve_expr(r, e->args[i]);
}

static void resolve_expr(Resolver *r, Expr *e)
{
    switch (e->kind) {
    case EX_NUM:
        break;
    case EX_NAME: {
        const Sym *s = lookup(r, e->name);
        if (!s)
            unknown(r, e, "name");
        else if (is_func(s))
            resolve_error(r, e->line, "function '%s' used as a value (call it: %s(...))",
                          e->name, e->name);
        else if (s->kind == SYM_EGP)
            resolve_error(r, e->line, "'%s' is an extra global parameter (an array): read an "
                          "element, e.g. %s[id]", e->name, e->name);
        else
            e->sym = s;
        break;
    }
    case EX_INDEX: {
        const Sym *s = lookup(r, e->name);
        if (!s)
            unknown(r, e, "array");
        else if (s->kind != SYM_EGP)
            resolve_error(r, e->line, "'%s' (%s) is not an array: only extra global "
                          "parameters (neuron{ egp = }) take an index", e->name,
                          s->kind == SYM_VAR ? "variable" : sym_kind_desc(s));
        else
            e->sym = s;
        resolve_expr(r, e->a);
        break;
    }
    case EX_CALL:
        resolve_call(r, e);
        break;
    case EX_UNARY:
        resolve_expr(r, e->a);
        break;
    case EX_BINARY:
        resolve_expr(r, e->a);
        resolve_expr(r, e->b);
        break;
    case EX_COND:
        resolve_expr(r, e->a);
        resolve_expr(r, e->b);
        resolve_expr(r, e->c);
        break;
    case EX_ASSIGN:
        resolve_target(r, e->a);
        resolve_expr(r, e->b);
        break;
    case EX_INCDEC:
        resolve_target(r, e->a);
        break;
    }
}

static int count_rng(const Expr *e)
{
    if (!e)
        return 0;
    int n = e->kind == EX_CALL && e->sym && e->sym->kind == SYM_RNG;
    for (int i = 0; i < e->nargs; i++)
        n += count_rng(e->args[i]);
    return n + count_rng(e->a) + count_rng(e->b) + count_rng(e->c);
}

/* C leaves the order of evaluation inside an expression open, so two draws in one
 * statement could be taken in either order (and differ between compilers and back ends).
 * Each draw gets a statement of its own. */
static void one_draw(Resolver *r, const Expr *e, int line)
{
    if (count_rng(e) > 1)
        resolve_error(r, line, "more than one random draw in one statement (their order "
                               "would be unspecified); draw into locals first, e.g. "
                               "scalar u = uniform();");
}

static void resolve_stmt(Resolver *r, Stmt *s);

/* A statement in a scope of its own (blocks, if branches). */
static void resolve_scoped(Resolver *r, Stmt *s)
{
    int mark = r->nlocals;
    resolve_stmt(r, s);
    r->nlocals = mark;
}

static void resolve_stmt(Resolver *r, Stmt *s)
{
    switch (s->kind) {
    case ST_EMPTY:
        break;
    case ST_EXPR:
        r->stmt_call = s->e->kind == EX_CALL;
        resolve_expr(r, s->e);
        r->stmt_call = false;
        one_draw(r, s->e, s->line);
        break;
    case ST_IF:
        resolve_expr(r, s->e);
        one_draw(r, s->e, s->line);
        resolve_scoped(r, s->then);
        if (s->els)
            resolve_scoped(r, s->els);
        break;
    case ST_BLOCK: {
        int mark = r->nlocals;
        for (int i = 0; i < s->n; i++)
            resolve_stmt(r, s->body[i]);
        r->nlocals = mark;
        break;
    }
    case ST_DECL: {
        resolve_expr(r, s->e); /* before the local exists: C would read it uninitialised */
        one_draw(r, s->e, s->line);
        if (find_local(r, s->decl_name)) {
            resolve_error(r, s->line, "'%s' is already declared", s->decl_name);
            break;
        }
        Sym *l = arena_alloc(sizeof *l);
        *l = (Sym){.name = s->decl_name, .kind = SYM_LOCAL, .index = r->next_id++,
                   .writable = true};
        r->locals = arena_grow(r->locals, &r->cap, r->nlocals + 1, sizeof *r->locals);
        r->locals[r->nlocals++] = l;
        s->decl_sym = l;
        break;
    }
    }
}

int code_resolve_stmts(Stmt *s, const Sym *syms, int nsyms, SrcLoc loc, const char *what)
{
    Resolver r = {.syms = syms, .nsyms = nsyms, .loc = loc, .what = what};
    if (s)
        resolve_scoped(&r, s);
    return r.errors;
}

int code_resolve_expr(Expr *e, const Sym *syms, int nsyms, SrcLoc loc, const char *what)
{
    Resolver r = {.syms = syms, .nsyms = nsyms, .loc = loc, .what = what};
    if (e) {
        resolve_expr(&r, e);
        one_draw(&r, e, e->line);
    }
    return r.errors;
}

int code_resolve_value(Stmt *s, Expr *value, const Sym *syms, int nsyms, SrcLoc loc,
                       const char *what)
{
    Resolver r = {.syms = syms, .nsyms = nsyms, .loc = loc, .what = what};
    for (int i = 0; s && i < s->n; i++) /* the value sees the statements' locals */
        resolve_stmt(&r, s->body[i]);
    if (value) {
        resolve_expr(&r, value);
        one_draw(&r, value, value->line);
    }
    return r.errors;
}

static bool expr_uses_rng(const Expr *e)
{
    if (!e)
        return false;
    if (e->kind == EX_CALL && e->sym && e->sym->kind == SYM_RNG)
        return true;
    for (int i = 0; i < e->nargs; i++)
        if (expr_uses_rng(e->args[i]))
            return true;
    return expr_uses_rng(e->a) || expr_uses_rng(e->b) || expr_uses_rng(e->c);
}

static bool stmt_uses_rng(const Stmt *s)
{
    if (!s)
        return false;
    for (int i = 0; i < s->n; i++)
        if (stmt_uses_rng(s->body[i]))
            return true;
    return expr_uses_rng(s->e) || stmt_uses_rng(s->then) || stmt_uses_rng(s->els);
}

bool code_uses_rng(const Stmt *s, const Expr *e)
{
    return stmt_uses_rng(s) || expr_uses_rng(e);
}

static bool expr_may_assign(const Expr *e, const char *name)
{
    if (!e)
        return false;
    if ((e->kind == EX_ASSIGN || e->kind == EX_INCDEC) && e->a && e->a->kind == EX_NAME &&
        !strcmp(e->a->name, name))
        return true;
    for (int i = 0; i < e->nargs; i++)
        if (expr_may_assign(e->args[i], name))
            return true;
    return expr_may_assign(e->a, name) || expr_may_assign(e->b, name) ||
           expr_may_assign(e->c, name);
}

bool code_may_assign(const Stmt *s, const char *name)
{
    if (!s)
        return false;
    for (int i = 0; i < s->n; i++)
        if (code_may_assign(s->body[i], name))
            return true;
    return expr_may_assign(s->e, name) || code_may_assign(s->then, name) ||
           code_may_assign(s->els, name);
}

/* ---- printing ----------------------------------------------------------------------- */

typedef struct Printer {
    StrBuf *out;
    const CodePrinter *cp;
    int last_line; /* last line named by #line */
} Printer;

static const CodePrinter default_printer;

void code_print_number(StrBuf *out, double v, bool is_float)
{
    if (isnan(v)) {
        sb_puts(out, "NAN");
        return;
    }
    if (isinf(v) || (is_float && fabs(v) > FLT_MAX)) {
        sb_puts(out, v < 0 ? "-INFINITY" : "INFINITY");
        return;
    }
    if (is_float && v != 0 && (float)v == 0)
        v = v < 0 ? -0.0 : 0.0; /* below float range: say 0 rather than a truncated 1e-50f */
    char buf[48];
    int prec; /* the fewest significant digits that read back exactly */
    for (prec = 1;; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
        if (prec == 17 || (is_float ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v))
            break;
    }
    int exp10 = atoi(strchr(buf, 'e') + 1);
    if (exp10 >= -5 && exp10 < 16) /* positional like %g, with the same digits */
        snprintf(buf, sizeof buf, "%.*f", prec - 1 - exp10 > 0 ? prec - 1 - exp10 : 0, v);
    sb_puts(out, buf);
    if (!strpbrk(buf, ".e"))
        sb_puts(out, ".0");
    if (is_float)
        sb_putc(out, 'f');
}

static int expr_prec(const Expr *e)
{
    switch (e->kind) {
    case EX_NUM:
        return !e->name && signbit(e->num) ? PREC_UNARY : PREC_PRIMARY;
    case EX_NAME: case EX_CALL: case EX_INDEX:
        return PREC_PRIMARY;
    case EX_UNARY:
        return PREC_UNARY;
    case EX_BINARY:
        return e->op == '%' ? PREC_PRIMARY : binop_prec(e->op); /* % prints as fmod() */
    case EX_COND:
        return PREC_COND;
    case EX_ASSIGN: case EX_INCDEC:
        return PREC_NONE;
    }
    return PREC_NONE;
}

/* Parentheses the precedence does not need but gcc -Wparentheses asks for:
 * a && b inside ||, comparisons inside comparisons, !a as an operand of a comparison. */
static bool wants_parens(int op, const Expr *child)
{
    int prec = binop_prec(op);
    if (child->kind == EX_UNARY)
        return child->op == '!' && (prec == PREC_EQ || prec == PREC_REL);
    if (child->kind != EX_BINARY)
        return false;
    int cprec = binop_prec(child->op);
    if (prec == PREC_OR && cprec == PREC_AND)
        return true;
    return (prec == PREC_EQ || prec == PREC_REL) && (cprec == PREC_EQ || cprec == PREC_REL);
}

static void print_expr(Printer *pr, const Expr *e);

static void print_sub(Printer *pr, const Expr *e, int min_prec, bool force)
{
    bool paren = force || expr_prec(e) < min_prec;
    if (paren)
        sb_putc(pr->out, '(');
    print_expr(pr, e);
    if (paren)
        sb_putc(pr->out, ')');
}

static void print_name(Printer *pr, const Sym *s, const char *name)
{
    if (s && pr->cp->name)
        pr->cp->name(pr->cp->ud, pr->out, s);
    else
        sb_puts(pr->out, s ? s->name : name);
}

static void print_args(Printer *pr, const char *fn, Expr *const *args, int n)
{
    sb_puts(pr->out, fn);
    sb_putc(pr->out, '(');
    for (int i = 0; i < n; i++) {
        if (i)
            sb_puts(pr->out, ", ");
        print_sub(pr, args[i], PREC_COND, false);
    }
    sb_putc(pr->out, ')');
}

/* div(a, b) / mod(a, b) as unsigned integer '/' and '%' (CodePrinter.uint_name) */
static bool print_int_divmod(Printer *pr, const Expr *e, bool is_mod)
{
    const CodePrinter *cp = pr->cp;
    if (cp->is_float || !cp->uint_name || e->nargs != 2 || e->args[0]->kind != EX_NAME ||
        !e->args[0]->sym)
        return false;
    const Expr *d = e->args[1];
    double b;
    if (d->kind == EX_NUM && !d->name)
        b = d->num;
    else if (d->kind == EX_NAME && d->sym && cp->num && cp->num(cp->ud, d->sym, &b))
        ;
    else
        return false;
    if (!(b >= 1.0 && b <= 4294967295.0 && b == floor(b)))
        return false;
    StrBuf a;
    sb_init(&a);
    const bool ok = cp->uint_name(cp->ud, &a, e->args[0]->sym);
    if (ok)
        sb_printf(pr->out, "((double)((uint32_t)(%s) %c %uu))", a.buf,
                  is_mod ? '%' : '/', (unsigned)b);
    sb_release(&a);
    return ok;
}

static void print_call(Printer *pr, const Expr *e)
{
    const Sym *s = e->sym;
    if (s && s->kind == SYM_MATH && (strcmp(s->name, "div") == 0 || strcmp(s->name, "mod") == 0) &&
        print_int_divmod(pr, e, s->name[0] == 'm'))
        return;
    if (s && (s->kind == SYM_RNG || s->kind == SYM_ADDTO) && pr->cp->rng) {
        char **argv = arena_alloc(sizeof *argv * (size_t)(e->nargs + 1));
        for (int i = 0; i < e->nargs; i++) {
            StrBuf sb;
            sb_init(&sb);
            Printer sub = {&sb, pr->cp, -1};
            print_sub(&sub, e->args[i], PREC_COND, false);
            argv[i] = arena_strdup(sb.buf);
            sb_release(&sb);
        }
        pr->cp->rng(pr->cp->ud, pr->out, s, argv, e->nargs);
        return;
    }
    const char *fn = s ? s->name : e->name;
    if (s && s->kind == SYM_MATH) {
        fn = math_c_name(s->name);
        if (pr->cp->is_float)
            fn = arena_printf("%sf", fn);
        else if (pr->cp->exp_name && strcmp(fn, "exp") == 0)
            fn = pr->cp->exp_name;
    }
    print_args(pr, fn, e->args, e->nargs);
}

static void print_expr(Printer *pr, const Expr *e)
{
    StrBuf *out = pr->out;
    switch (e->kind) {
    case EX_NUM:
        if (e->name)
            sb_puts(out, e->num != 0 ? "1" : "0");
        else
            code_print_number(out, e->num, pr->cp->is_float);
        break;
    case EX_NAME:
        print_name(pr, e->sym, e->name);
        break;
    case EX_CALL:
        print_call(pr, e);
        break;
    case EX_INDEX: {
        StrBuf sb;
        sb_init(&sb);
        Printer sub = *pr;
        sub.out = &sb;
        print_sub(&sub, e->a, PREC_COND, false);
        if (e->sym && pr->cp->index)
            pr->cp->index(pr->cp->ud, out, e->sym, sb.buf);
        else
            sb_printf(out, "%s[%s]", e->name, sb.buf);
        sb_release(&sb);
        break;
    }
    case EX_UNARY:
        sb_putc(out, (char)e->op); /* -(-x), never --x */
        print_sub(pr, e->a, PREC_UNARY, expr_prec(e->a) == PREC_UNARY);
        break;
    case EX_BINARY: {
        if (e->op == '%') {
            Expr *args[2] = {e->a, e->b};
            print_args(pr, pr->cp->is_float ? "fmodf" : "fmod", args, 2);
            break;
        }
        int prec = binop_prec(e->op);
        print_sub(pr, e->a, prec, wants_parens(e->op, e->a));
        sb_printf(out, " %s ", op_str(e->op));
        print_sub(pr, e->b, prec + 1, wants_parens(e->op, e->b));
        break;
    }
    case EX_COND:
        print_sub(pr, e->a, PREC_COND + 1, false);
        sb_puts(out, " ? ");
        print_sub(pr, e->b, PREC_COND, false);
        sb_puts(out, " : ");
        print_sub(pr, e->c, PREC_COND, false);
        break;
    case EX_ASSIGN:
        print_name(pr, e->a->sym, e->a->name);
        sb_printf(out, " %s ", op_str(e->op));
        print_sub(pr, e->b, PREC_COND, false);
        break;
    case EX_INCDEC:
        print_name(pr, e->a->sym, e->a->name);
        sb_puts(out, op_str(e->op));
        break;
    }
}

void code_print_expr(StrBuf *out, const Expr *e, const CodePrinter *p)
{
    Printer pr = {out, p ? p : &default_printer, -1};
    print_expr(&pr, e);
}

/* #line before a statement that starts a new source line. */
static void print_line_marker(Printer *pr, const Stmt *s)
{
    const CodePrinter *cp = pr->cp;
    int line = cp->line_base + s->line - 1;
    if (!cp->line_file || line == pr->last_line)
        return;
    pr->last_line = line;
    sb_printf(pr->out, "#line %d \"", line);
    for (const char *c = cp->line_file; *c; c++) {
        if (*c == '"' || *c == '\\')
            sb_putc(pr->out, '\\');
        sb_putc(pr->out, *c);
    }
    sb_puts(pr->out, "\"\n");
}

static void print_stmt(Printer *pr, const Stmt *s, int indent);

/* The inside of a braced block: a block's statements, or the one statement. */
static void print_body(Printer *pr, const Stmt *s, int indent)
{
    if (s->kind != ST_BLOCK) {
        print_stmt(pr, s, indent);
        return;
    }
    for (int i = 0; i < s->n; i++)
        print_stmt(pr, s->body[i], indent);
}

static void print_if(Printer *pr, const Stmt *s, int indent)
{
    for (;;) {
        sb_puts(pr->out, "if (");
        print_expr(pr, s->e);
        sb_puts(pr->out, ") {\n");
        print_body(pr, s->then, indent + 4);
        sb_printf(pr->out, "%*s}", indent, "");
        if (!s->els)
            break;
        sb_puts(pr->out, " else ");
        if (s->els->kind != ST_IF) {
            sb_puts(pr->out, "{\n");
            print_body(pr, s->els, indent + 4);
            sb_printf(pr->out, "%*s}", indent, "");
            break;
        }
        s = s->els;
    }
    sb_putc(pr->out, '\n');
}

static void print_stmt(Printer *pr, const Stmt *s, int indent)
{
    if (s->kind == ST_EMPTY)
        return;
    print_line_marker(pr, s);
    sb_printf(pr->out, "%*s", indent, "");
    switch (s->kind) {
    case ST_EMPTY:
        break;
    case ST_EXPR:
        print_expr(pr, s->e);
        sb_puts(pr->out, ";\n");
        break;
    case ST_DECL:
        sb_printf(pr->out, "%s ", pr->cp->scalar_name && !strcmp(s->decl_type, "scalar")
                                      ? pr->cp->scalar_name : s->decl_type);
        print_name(pr, s->decl_sym, s->decl_name);
        sb_puts(pr->out, " = ");
        print_sub(pr, s->e, PREC_COND, false);
        sb_puts(pr->out, ";\n");
        break;
    case ST_BLOCK:
        sb_puts(pr->out, "{\n");
        print_body(pr, s, indent + 4);
        sb_printf(pr->out, "%*s}\n", indent, "");
        break;
    case ST_IF:
        print_if(pr, s, indent);
        break;
    }
}

void code_print_stmts(StrBuf *out, const Stmt *s, int indent, const CodePrinter *p)
{
    Printer pr = {out, p ? p : &default_printer, -1};
    if (s)
        print_body(&pr, s, indent);
}
