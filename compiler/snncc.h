/*
 * snncc.h - THE internal header of the snncc compiler.
 *
 * Read it top to bottom: first the IR types (the spine every pass reads), then each
 * file's exports under a banner.  The pipeline (main.c) is
 *
 *     load (lua_host.c, lua_api.c) -> check (check.c) -> emit (emit_c.c + template.c)
 *     -> build (driver.c: cc, libsnnrt)
 *
 * Everything whose lifetime is "this compilation" lives in the arena (arena.c) and is
 * never freed one by one.  The IR holds no Lua values; the Lua state is closed before
 * check runs.
 */
#ifndef SNNCC_H
#define SNNCC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNNCC_VERSION "0.1.0"

/* The longest name a model may give (network, models, populations, projections,
 * variables, parameters, ...): it becomes part of C identifiers and file names. */
#define SNN_NAME_MAX 64

/* ======================================================================================
 * Source locations and the IR
 * ==================================================================================== */

/* A place in a model file.  'file' is arena-interned; line 0 means "no line". */
typedef struct SrcLoc {
    const char *file;
    int line;
} SrcLoc;

typedef struct Expr Expr;
typedef struct Stmt Stmt;

/* A code string from the model (sim, threshold, reset): its text, where it starts in the
 * model file, and after check its parsed form. */
typedef struct CodeStr {
    const char *text; /* NULL when absent */
    SrcLoc loc;       /* line of the string's first line of text */
    Stmt *stmts;      /* parsed statements (sim, reset) */
    Expr *expr;       /* parsed expression (threshold) */
} CodeStr;

typedef enum InitKind {
    INIT_CONSTANT, // a
    INIT_UNIFORM,  // uniform(a, b)
    INIT_NORMAL,   // normal(mean a, sd b)
    INIT_NORMAL_CLIPPED, // normal(a, b) redrawn until in [lo, hi]
    INIT_LOGNORMAL,      // exp(normal(a, b))
    INIT_EXPONENTIAL,    // exponential with mean a
    INIT_CODE,           // a user-defined initialiser{}: code that assigns 'value'
    INIT_FILE,           // from_file("x.npy"): one value per element, read at run time
    INIT_ARRAY,          // a Lua list of numbers: one value per element, compiled in
    INIT_EXPR,           // a code string: a value from the same neuron's params and vars
} InitKind;

/* initialiser{ name, params, code }: a user-defined initialiser (check.c parses and
 * resolves the code once; each use carries its own parameter values). */
typedef struct InitSnippet {
    const char *name;
    struct NamedValue *params; /* defaults */
    int n_params;
    CodeStr code;              /* statements that assign 'value' */
    SrcLoc loc;
    int index;                 /* position in Model.initcodes */
} InitSnippet;

/* A variable initialiser. */
typedef struct Init {
    InitKind kind;
    double a, b;
    double lo, hi; /* INIT_NORMAL_CLIPPED bounds (+-INFINITY: none) */
    SrcLoc loc;
    const InitSnippet *snip; /* INIT_CODE: the initialiser and its parameter values */
    const double *pvals;
    const char *file;        /* INIT_FILE: the .npy file (absolute path) */
    const char *file_arg;    /* INIT_FILE: the name as written in the model */
    int ndim;                /* INIT_FILE: its dimensions (1 or 2) */
    int64_t cols;            /* INIT_FILE: columns of a 2-d array (1 for 1-d) */
    char dtype;              /* INIT_FILE: 'f', 'i', 'u' or 'b' (numpy's kind) */
    int64_t n_vals;          /* INIT_FILE, INIT_ARRAY: number of values */
    const double *vals;      /* INIT_ARRAY: the values */
    CodeStr *code;           /* INIT_EXPR: the expression (parsed by check) */
} Init;

typedef struct NamedValue {
    const char *name;
    double value;
    SrcLoc loc;
} NamedValue;

/* One clause of a parameter constraint (neuron{ valid = { tau_m = "> 0" } }): param OP
 * rhs, rhs a number or another parameter of the same model. */
typedef enum CheckOp { CHECK_GT, CHECK_GE, CHECK_LT, CHECK_LE, CHECK_NE } CheckOp;

typedef struct ParamCheck {
    int param;         /* index into the model's params */
    CheckOp op;
    int rhs_param;     /* index of the parameter compared with, or -1 */
    double rhs;        /* the number compared with (rhs_param < 0) */
    const char *text;  /* the whole constraint as given, e.g. "> 0, != tau_m" */
} ParamCheck;

typedef struct VarDef {
    const char *name;
    Init init; /* default initialiser */
    bool shared; /* synapse{ shared = { ... } }: held once in a batched model, not per lane */
} VarDef;

typedef struct NeuronModel {
    const char *name;
    SrcLoc loc;
    NamedValue *params; /* defaults; sorted by name */
    int n_params;
    VarDef *vars; /* sorted by name */
    int n_vars;
    CodeStr sim, threshold, reset;
    /* spike_source_array{}: spike times per neuron instead of code */
    bool spike_source;
    /* spike_source_dataset{}: a spike source whose times come from the run config's data
     * set (datasets: { pop: { file = ... } }), one example after another; spike_source is
     * set too, with no compiled-in times (n_lists 0) */
    bool dataset;
    int32_t classes;      /* spike_source_dataset{ classes = N }: labels 0 .. N-1 */
    int64_t n_lists;      /* neurons with a list (the population must be that large) */
    int64_t *sst_start;   /* n_lists + 1 offsets into sst_times */
    double *sst_times;    /* ms, ascending per neuron */
    const char *sst_file; /* where the times came from, for messages ("" for a table) */
    const char **egps;    /* extra global parameters (neuron{ egp = { "I_ext" } }), in order */
    int n_egps;
    const char **inputs;  /* additional inputs (neuron{ inputs = { "I_inh" } }): per-step
                           * sums like Isyn, fed by projections and current sources whose
                           * target names them */
    int n_inputs;
    ParamCheck *checks;   /* neuron{ valid = ... }: checked wherever parameter values are set */
    int n_checks;
} NeuronModel;

/* The code strings of a weight update model, one table (syn_code_desc in ir.c says for
 * each what it runs over, which names it sees, its random stream and when it runs).  A
 * new kind is an entry here and in the table, plus where the back ends run it. */
typedef enum SynCodeKind {
    SC_ON_PRE,        // per synapse, when a presynaptic spike arrives, before delivery
    SC_ON_POST,       // per synapse, when the postsynaptic neuron spikes
    SC_PRE_SPIKE,     // per presynaptic neuron, when it spikes
    SC_POST_SPIKE,    // per postsynaptic neuron, when it spikes
    SC_PRE_DYNAMICS,  // per presynaptic neuron, every step
    SC_POST_DYNAMICS, // per postsynaptic neuron, every step
    SC_DYNAMICS,      // per synapse, every step, after the neuron updates
    SC_COUNT
} SynCodeKind;

/* What a synapse code string runs over. */
typedef enum SynOver {
    OVER_SYNAPSE, // every synapse (of a row, a column, or all)
    OVER_PRE,     // presynaptic neurons (the pre vars)
    OVER_POST,    // postsynaptic neurons (the post vars)
} SynOver;

/* Visibility of a group of names in a code string. */
enum { SEE_NONE = 0, SEE_READ = 1, SEE_WRITE = 2 };

typedef struct SynCodeDesc {
    const char *name;  /* the synapse{} field, and the random stream's tag "syn:<proj>/<name>" */
    SynOver over;
    unsigned char syn_vars, pre_vars, post_vars; /* SEE_*: the model's variables */
    /* SEE_READ where the pre / post neuron's variables (V_pre, V_post) may be read: only
     * where that neuron's update of the step is complete or not yet begun for every
     * thread, so that no thread reads what another writes */
    unsigned char pre_neuron, post_neuron;
    const char *when;  /* when in the step it runs (docs, comments) */
} SynCodeDesc;
extern const SynCodeDesc syn_code_desc[SC_COUNT];

/* A weight update model (synapse{}): per-synapse variables, presynaptic and
 * postsynaptic variables (traces), and the code that runs on spikes and every step.
 * code[k].text is the model's; the parsed and resolved code lives in each projection
 * that uses the model (Projection.syn_code), since it may name that projection's
 * neurons' variables. */
typedef struct SynapseModel {
    const char *name;
    SrcLoc loc;
    NamedValue *params; /* sorted by name */
    int n_params;
    VarDef *vars;       /* per synapse */
    int n_vars;
    VarDef *pre_vars;   /* per presynaptic neuron */
    int n_pre_vars;
    VarDef *post_vars;  /* per postsynaptic neuron */
    int n_post_vars;
    const char *weight; /* the variable a spike delivers (default "w") */
    CodeStr code[SC_COUNT]; /* by SynCodeKind; text NULL when absent */
    ParamCheck *checks;     /* synapse{ valid = ... } */
    int n_checks;
} SynapseModel;

typedef struct Population {
    const char *name;
    SrcLoc loc;
    int index;
    NeuronModel *model;
    int64_t n;        /* neurons (checked to fit uint32) */
    double *params;   /* per model param, in model order */
    bool *runtime;    /* per model param: settable from the run config (population{ runtime }) */
    Init *inits;      /* per model var, in model order */
    double **egp;     /* per model egp: the array, one value per neuron (population{ egp }) */
    const char **egp_src; /* per model egp: file it came from ("" for a Lua table) */
    bool record_spikes;
    int *expr_order;  /* set by check: the vars with code-string initial values (INIT_EXPR),
                       * in an order where each comes after those it reads */
    int n_expr_order;
} Population;

typedef enum ConnKind {
    CONN_ALL_TO_ALL,        // every pre to every post
    CONN_ONE_TO_ONE,        // i -> i
    CONN_FIXED_PROBABILITY, // Bernoulli(p) per pair
    CONN_FIXED_INDEGREE,    // k sources per target
    CONN_FIXED_OUTDEGREE,   // k targets per source
    CONN_FIXED_TOTAL,       // n synapses in all, sources and targets uniform
    CONN_USER,              // a user-defined rule: connectivity{} (ConnSnippet)
    CONN_FROM_LIST,         // from_list{ pre, post }: .npy index lists, read at run time
    CONN_FROM_MATRIX,       // from_matrix(file): a .npy weight matrix, read at run time
} ConnKind;

/* A user-defined connectivity rule (connectivity{}): parameters with defaults and code.
 * Either the per-pair form (prob, optionally condition: connect (i, j) with probability
 * prob) or the row form (count synapses from source i, the k-th onto target).  Each code
 * is a value: statements, then the expression that gives it (code_parse_value). */
typedef struct ConnSnippet {
    const char *name;
    SrcLoc loc;
    NamedValue *params; /* defaults; sorted by name */
    int n_params;
    bool row_form;      /* count/target; else prob/condition */
    CodeStr prob, condition, count, target; /* stmts + expr after check */
    CodeStr max_prob;   /* pair form, optional: a declared bound on prob (per column j);
                         * the builder skips geometrically at it, then thins */
    double max_prob_num; /* max_prob given as a number (checked in (0, 1]); else NaN */
} ConnSnippet;

typedef struct ConnRule {
    ConnKind kind;
    double p;
    int64_t k;
    bool autapses;
    bool multapses;
    SrcLoc loc;
    const ConnSnippet *snip; /* CONN_USER: the rule */
    double *params;          /* CONN_USER: its parameter values, per snip->params */
    Init pre, post;          /* CONN_FROM_LIST: the index files (INIT_FILE) */
    Init matrix;             /* CONN_FROM_MATRIX: the matrix file (INIT_FILE, ndim 2) */
} ConnRule;

typedef enum PsmKind {
    PSM_DELTA,    // weight added to Isyn for one step
    PSM_EXP_CURR, // exponentially decaying current, tau
    PSM_EXP_COND, // exponentially decaying conductance g, current g * (E - V)
    PSM_ALPHA_CURR, // alpha-shaped current peaking at the weight after tau
} PsmKind;

typedef struct Psm {
    PsmKind kind;
    double tau;
    double E;        /* PSM_EXP_COND: reversal potential */
    const char *V;   /* PSM_EXP_COND: the target's membrane variable (default "V") */
    const char *target; /* add into this input of the neuron (any kind), or into this state
                         * variable (PSM_DELTA only), instead of Isyn */
    bool to_input;      /* target names an input (set by check) */
    SrcLoc loc;
} Psm;

typedef enum ConnFormat {
    FORMAT_SPARSE,     // ragged rows per source (default)
    FORMAT_DENSE,      // weight matrix [n_pre][local targets]
    FORMAT_PROCEDURAL, // nothing stored: rows regenerated at every spike
} ConnFormat;

typedef struct Projection {
    const char *name;
    SrcLoc loc;
    int index;
    Population *pre, *post;
    ConnRule conn;
    Init weight;    /* INIT_CONSTANT: homogeneous, no per-synapse storage */
    bool weight_given; /* false: a plastic projection takes its synapse model's default */
    SynapseModel *syn;  /* NULL: static synapses */
    double *syn_params; /* per syn->params */
    bool *syn_runtime;  /* per syn->params: settable from the run config (projection{ runtime }) */
    Init *syn_inits;    /* per syn->vars (the weight variable's is 'weight') */
    double delay;   /* ms, when delay_init.kind == INIT_CONSTANT */
    Init delay_init; /* otherwise: one delay per synapse from this initialiser */
    Psm psm;
    ConnFormat format;
    SrcLoc format_loc;
    /* set by check */
    int delay_steps;   /* homogeneous delay in steps */
    bool het_delay;    /* per-synapse delays (dendritic ring buffer) */
    int delay_bytes;   /* het_delay: 1 or 2 bytes per stored delay */
    int input_slot;    /* which input accumulator of post it feeds */
    CodeStr syn_code[SC_COUNT]; /* syn: its code strings resolved for this projection
                                 * (stmts NULL when absent) */
    /* add_to_pre(x) in synapse code adds into this input of the presynaptic neuron
     * ("Isyn" or one of its model's inputs; projection{ pre_input = }); NULL: none */
    const char *pre_input;
    SrcLoc pre_input_loc;
    /* set by check: the synapse code calls add_to_post / add_to_pre; pre_input_index is
     * -1 for Isyn, else the index into the presynaptic model's inputs */
    bool add_post, add_pre;
    int pre_input_index;
    /* structural plasticity (connectivity_update{}): the declared row capacity, global
     * over ranks and threads: max_row_length (0: none) or row_padding (a factor over the
     * longest built row; 0: none); rewired: set by check when an update names it */
    int64_t max_row_length;
    double row_padding;
    bool rewired;
} Projection;

typedef enum CurrentKind {
    CS_DC,            // constant amplitude (pA)
    CS_STEP,          // piecewise constant: amplitude amps[i] from times[i] on
    CS_NOISE,         // Gaussian white current, new value every step: mean + sd * N(0, 1)
    CS_POISSON,       // independent Poisson spike train per neuron, weight into a psm
} CurrentKind;

/* The numeric parameters of current sources, by name; which kinds have which: see
 * cs_param_name / cs_has_param (ir.c). */
typedef enum CsParam {
    CSP_AMP,    // dc
    CSP_MEAN,   // noise
    CSP_SD,     // noise
    CSP_RATE,   // poisson_input
    CSP_WEIGHT, // poisson_input
    CSP_COUNT
} CsParam;

/* A current source: input applied to every neuron of a population each step. */
typedef struct CurrentSource {
    const char *name;
    SrcLoc loc;
    int index;
    CurrentKind kind;
    Population *pop;
    double amp, mean, sd, rate, weight;
    double *times, *amps; /* CS_STEP */
    int n_steps;
    Psm psm;              /* CS_POISSON: where the spikes go */
    int input_slot;       /* CS_POISSON: set by check */
    bool runtime[CSP_COUNT]; /* settable from the run config (current_source{ runtime }) */
} CurrentSource;

/* Recording of one state variable. */
typedef struct VarRecord {
    Population *pop;
    int var;          /* index into pop->model->vars (cu: into cu->vars) */
    int every;        /* steps (-1 until check_custom_updates: not given) */
    int64_t count;    /* first 'count' neurons (-1: all) */
    SrcLoc loc;
    const struct CustomUpdate *cu; /* record { <custom update> = "m" }: its variable, over
                                    * the neurons of pop (NULL: pop's neuron variable) */
} VarRecord;

/* Recording of one synapse variable of a plastic projection (record { <proj> = "w" }):
 * snapshots of every synapse (pre, post, value). */
typedef struct SynRecord {
    Projection *proj;
    int var;          /* index into proj->syn->vars (cu: into cu->vars) */
    int every;        /* steps; 0: once, at the end of the run */
    SrcLoc loc;
    const struct CustomUpdate *cu; /* a custom update's per-synapse variable (NULL: proj's) */
} SynRecord;

/* The recorded variable's name, and the prefix of its file (<prefix>_<var>.npy: the
 * population, projection or custom update) (ir.c). */
const char *varrec_var(const VarRecord *r);
const char *varrec_owner(const VarRecord *r);
const char *synrec_var(const SynRecord *r);
const char *synrec_owner(const SynRecord *r);

/* ---- custom updates (custom_update{}) ------------------------------------------------ */

/* A reduction of a custom-update variable over the neurons of the update's population. */
typedef enum CuReduce {
    CU_REDUCE_NONE, // one value per element (neuron or synapse)
    CU_REDUCE_SUM,  // one value: the sum over the neurons (accumulated in double)
    CU_REDUCE_MAX,  // one value: the maximum over the neurons
    CU_REDUCE_BATCH_SUM, // per element, held once: the sum over the batch lanes (in double)
    CU_REDUCE_BATCH_MAX, // per element, held once: the maximum over the batch lanes
} CuReduce;

/* A reduction over the neurons (one value), not over the batch (one value per element). */
#define CU_NEURON_REDUCE(r) ((r) == CU_REDUCE_SUM || (r) == CU_REDUCE_MAX)
#define CU_BATCH_REDUCE(r) ((r) == CU_REDUCE_BATCH_SUM || (r) == CU_REDUCE_BATCH_MAX)

/* A variable of a custom update: per element, or one value (a reduction). */
typedef struct CuVar {
    const char *name;
    Init init;        /* INIT_CONSTANT (and initialisers for per-neuron variables) */
    CuReduce reduce;
    bool shared;      /* { shared = true }: held once in a batched model, not per lane */
    SrcLoc loc;
} CuVar;

/* What a variable reference points at (set by check). */
typedef enum CuRefKind {
    CUREF_NEURON,  // a population's neuron variable
    CUREF_SYNAPSE, // a plastic projection's synapse variable (weight update model vars)
    CUREF_CU,      // another custom update's variable
} CuRefKind;

/* var_refs = { V = ref("Out", "V") }: a name in the update's code for another group's
 * variable, read-only (ref) or read-write (ref_rw). */
typedef struct CuRef {
    const char *name;   /* the name in the code */
    const char *target; /* population, projection or custom update, as written */
    const char *var;    /* its variable, as written */
    bool rw;
    SrcLoc loc;
    /* set by check */
    CuRefKind kind;
    const struct Population *pop;
    const struct Projection *proj;
    const struct CustomUpdate *cu;
    int index;          /* the variable's index in its owner */
} CuRef;

/* custom_update{}: code run over the neurons of a population or the synapses of a
 * projection when its group is due (docs/language.md, "Custom updates"). */
typedef struct CustomUpdate {
    const char *name;
    const char *group;
    SrcLoc loc;
    int index;          /* position in Model.cus (file order: the order within a group) */
    NamedValue *params; /* sorted by name */
    int n_params;
    bool *runtime;      /* per param: settable from the run config (<name>.<param>) */
    CuVar *vars;        /* sorted by name */
    int n_vars;
    CuRef *refs;        /* sorted by name */
    int n_refs;
    CodeStr code;
    int every;          /* default schedule: every N steps (0: not periodic) */
    bool at_end;        /* default schedule: after the last step */
    bool every_given, at_end_given;
    /* set by check */
    const struct Population *pop;   /* runs over the neurons of pop, or */
    const struct Projection *proj;  /* over the synapses of proj */
    int group_index;                /* into Model.cu_groups */
} CustomUpdate;

/* A group of custom updates, run together (in file order) when due. */
typedef struct CuGroup {
    const char *name;
    int every;   /* steps; 0: not periodic (the run config may set it) */
    bool at_end;
    SrcLoc loc;  /* the first custom update of the group */
} CuGroup;

/* connectivity_update{}: removes synapses of a sparse projection by a per-synapse
 * predicate and adds synapses per row in connectivity{}'s row form (docs/language.md,
 * "Connectivity updates"). */
typedef struct ConnUpdate {
    const char *name;
    SrcLoc loc;
    int index;           /* position in Model.cupds */
    const char *proj_name;
    int every;           /* steps (after steps N-1, 2N-1, ...); 0: only with the group */
    const char *group;   /* also when this custom-update group runs (NULL: none) */
    NamedValue *params;  /* sorted by name */
    int n_params;
    CodeStr remove;      /* value: nonzero removes the synapse (stmts + expr) */
    CodeStr count;       /* value: row i's number of additions, or */
    CodeStr total;       /* value: the additions over all rows, spread over rows with room */
    CodeStr target;      /* value: the target of row i's k-th addition */
    const char **init_names; /* add.init: synapse variables given a value */
    CodeStr *init_code;      /* per init_names: a value (numbers are written as code) */
    int n_init;
    bool redraw;         /* add.redraw: a target the row has is drawn again (not failed) */
    /* candidates = { count | total, remove, add }: per row, distinct targets drawn without
     * replacement; connected ones may be removed, unconnected ones formed */
    bool candidates;
    CodeStr cand_count;  /* value: row i's number of candidates, or */
    CodeStr cand_total;  /* value: candidates over all rows, spread over the rows */
    CodeStr cand_remove; /* value per connected candidate: nonzero removes the synapse */
    CodeStr cand_add;    /* value per unconnected candidate: nonzero forms the synapse */
    /* set by check */
    struct Projection *proj;
    int group_index;     /* into Model.cu_groups, or -1 */
    int *init_of_var;    /* per syn var (plastic) or 1 (static weight): index into init_code,
                          * -1: the declared initial value */
} ConnUpdate;

typedef enum Precision {
    PREC_FLOAT,
    PREC_DOUBLE,
} Precision;

/* The root of the IR. */
typedef struct Model {
    const char *name;
    const char *file;  /* main model file as given */
    SrcLoc loc;        /* network{} call, or file:0 */
    bool has_network;
    double dt;         /* ms */
    uint64_t seed;
    Precision precision;
    int batch;         /* network{ batch = B }: lanes by default; 0: not batched */
    NeuronModel **neurons;
    int n_neurons;
    SynapseModel **synapses;
    int n_synapses;
    ConnSnippet **snippets; /* every connectivity{} of the file, used or not */
    int n_snippets;
    Population **pops;
    int n_pops;
    Projection **projs;
    int n_projs;
    CurrentSource **sources;
    int n_sources;
    VarRecord **varrecs;
    int n_varrecs;
    SynRecord **synrecs;
    int n_synrecs;
    InitSnippet **initcodes; /* initialiser{} definitions, in file order */
    int n_initcodes;
    CustomUpdate **cus;      /* custom_update{}, in file order */
    int n_cus;
    CuGroup *cu_groups;      /* set by check: the groups, in order of first use */
    int n_cu_groups;
    ConnUpdate **cupds;      /* connectivity_update{}, in file order */
    int n_cupds;
} Model;

/* ======================================================================================
 * Code strings: the expression and statement trees (expr.c)
 * ==================================================================================== */

typedef enum ExprKind {
    EX_NUM,     // number literal: num, is_int
    EX_NAME,    // identifier: name -> sym after resolution
    EX_CALL,    // name(args...)
    EX_UNARY,   // op a        (op: '-', '+', '!')
    EX_BINARY,  // a op b      (op: TK_* below)
    EX_COND,    // a ? b : c
    EX_ASSIGN,  // a op= b     (op: '=', or TK_ADD_ASSIGN ...); a is an EX_NAME
    EX_INCDEC,  // a++ / a-- / ++a / --a as a statement-level expression (op: TK_INC/TK_DEC)
    EX_INDEX,   // name[a]: an element of an extra global parameter (read only)
} ExprKind;

/* Multi-character operator tokens; single-character operators are their own char. */
enum {
    TK_EQ = 256,   // ==
    TK_NE,         // !=
    TK_LE,         // <=
    TK_GE,         // >=
    TK_AND,        // &&
    TK_OR,         // ||
    TK_ADD_ASSIGN, // +=
    TK_SUB_ASSIGN, // -=
    TK_MUL_ASSIGN, // *=
    TK_DIV_ASSIGN, // /=
    TK_INC,        // ++
    TK_DEC,        // --
};

typedef enum SymKind {
    SYM_PARAM,   // model parameter (read only)
    SYM_VAR,     // state variable (read/write)
    SYM_BUILTIN, // dt, t (read only)
    SYM_INPUT,   // Isyn (read only)
    SYM_LOCAL,   // declared in the code string
    SYM_MATH,    // math function: exp, log, ...
    SYM_RNG,     // rng draw: uniform(), normal(), exponential(), poisson(lambda)
    SYM_SYN,     // per-synapse variable of a weight update model
    SYM_PRE,     // presynaptic variable (trace) of a weight update model
    SYM_POST,    // postsynaptic variable (trace) of a weight update model
    SYM_EGP,     // extra global parameter: a per-population array, read as name[index]
    SYM_PRE_NEURON,  // synapse code: a variable of the presynaptic neuron (V_pre), read only
    SYM_POST_NEURON, // synapse code: a variable of the postsynaptic neuron (V_post), read only
    SYM_ADDTO,   // synapse code: add_to_post(x) (index 0), add_to_pre(x) (1), statements only
    SYM_REF,     // custom update: a variable reference (writable when declared ref_rw)
} SymKind;

typedef struct Sym {
    const char *name;
    SymKind kind;
    int index;       /* into params / vars of the model; local id for SYM_LOCAL */
    bool writable;
    int nargs;       /* functions: number of arguments */
} Sym;

struct Expr {
    ExprKind kind;
    int op;
    double num;
    bool is_int;      /* literal written without '.', 'e' (e.g. 3) */
    const char *name; /* EX_NAME, EX_CALL */
    Expr *a, *b, *c;
    Expr **args;
    int nargs;
    int line, col;    /* 1-based, relative to the code string */
    const Sym *sym;   /* set by code_resolve */
};

typedef enum StmtKind {
    ST_EXPR,  // e;
    ST_IF,    // if (e) then [else els]
    ST_BLOCK, // { body... }
    ST_DECL,  // type name = init;   (type: scalar, float, double, int, bool)
    ST_EMPTY, // ;
} StmtKind;

struct Stmt {
    StmtKind kind;
    Expr *e;
    Stmt *then, *els;
    Stmt **body;
    int n;
    const char *decl_type, *decl_name;
    const Sym *decl_sym; /* set by code_resolve */
    int line, col;
};

/* ======================================================================================
 * Per-file exports
 * ==================================================================================== */

// arena.c
void *arena_alloc(size_t n); /* zeroed; exits with a message when memory runs out */
char *arena_strdup(const char *s);
char *arena_strndup(const char *s, size_t n);
char *arena_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void arena_free_all(void);
/* Grow a dynamic array of elem-size items (allocated with the arena). */
void *arena_grow(void *arr, int *cap, int need, size_t elem);

// strbuf.c - growable string (git strbuf contract: buf is always NUL terminated)
typedef struct StrBuf {
    char *buf;
    size_t len, cap;
} StrBuf;
void sb_init(StrBuf *sb);
void sb_release(StrBuf *sb);
void sb_reset(StrBuf *sb);
void sb_putc(StrBuf *sb, char c);
void sb_puts(StrBuf *sb, const char *s);
void sb_putn(StrBuf *sb, const char *s, size_t n);
void sb_printf(StrBuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(StrBuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
char *sb_detach(StrBuf *sb); /* caller frees with free() */

// diag.c - diagnostics: "file:line: error: message"
typedef void (*DiagSink)(void *ud, const char *line);
void diag_error(SrcLoc loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_warn(SrcLoc loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_note(SrcLoc loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A message that already carries its location (Lua errors): "<msg>" as an error. */
void diag_error_raw(const char *msg);
int diag_error_count(void);
void diag_reset(void);
void diag_set_sink(DiagSink sink, void *ud); /* NULL: stderr */
void diag_set_verbose(int v);
void diag_set_quiet(int q); /* drop warnings and notes (snncc -q) */
int diag_verbose(void);
/* Closest candidate to 'name' by edit distance (<= max(1, len/3)), or NULL. */
const char *diag_suggest(const char *name, const char *const *cands, int n);
/* Format " (did you mean 'X'?)" into buf when a suggestion exists, else "". */
const char *diag_hint(char *buf, size_t n, const char *name, const char *const *cands, int nc);
/* msg with long quoted spans ('...', "...") shortened to their first 60 bytes and "...",
 * and the whole cut at 4096 bytes; msg itself when nothing is long, else out's buffer.
 * Every message goes through it on its way out. */
const char *diag_shorten(const char *msg, StrBuf *out);

// expr.c - lexer, parser, resolver and printer for code strings
/* Parse statements / one expression.  'what' names the string for messages, e.g.
 * "neuron 'lif' sim code"; errors are reported as "file:LINE: error: <what>: <msg>" where
 * LINE = loc.line + (line within the string) - 1.  Return NULL after reporting. */
Stmt *code_parse_stmts(const char *src, SrcLoc loc, const char *what);
Expr *code_parse_expr(const char *src, SrcLoc loc, const char *what);
/* A value: statements (declarations of locals, if/else, assignments) followed by one
 * expression, which may end with ';' (connectivity code: "scalar d = i - j; exp(-d * d)").
 * Returns the statements as a block (maybe empty) and the expression in *value. */
Stmt *code_parse_value(const char *src, SrcLoc loc, const char *what, Expr **value);

/* Resolve every name in the tree against syms (plus locals declared in the code, plus
 * math and rng functions, which code_resolve knows itself).  Reports unknown names with a
 * "did you mean" hint over all visible names, assignments to read-only names, wrong
 * argument counts, and redeclared locals.  Returns the number of errors. */
int code_resolve_stmts(Stmt *s, const Sym *syms, int nsyms, SrcLoc loc, const char *what);
int code_resolve_expr(Expr *e, const Sym *syms, int nsyms, SrcLoc loc, const char *what);
/* The statements and value of code_parse_value; the value sees the statements' locals. */
int code_resolve_value(Stmt *s, Expr *value, const Sym *syms, int nsyms, SrcLoc loc,
                       const char *what);
/* Does the tree call an RNG function? */
bool code_uses_rng(const Stmt *s, const Expr *e);
/* Does any statement of the tree (on any path) assign 'name' (=, op=, ++, --)?  By name:
 * a local of that name counts too, which errs on the side of "assigned". */
bool code_may_assign(const Stmt *s, const char *name);

/* How names are spelled in the output. */
typedef struct CodePrinter {
    bool is_float; /* scalar is float: literals get 'f', exp -> expf, ... */
    const char *scalar_name; /* how a 'scalar' local is declared (NULL: "scalar") */
    /* Print a resolved SYM_PARAM/SYM_VAR/SYM_BUILTIN/SYM_INPUT/SYM_LOCAL name. */
    void (*name)(void *ud, StrBuf *out, const Sym *sym);
    /* Print an element of a SYM_EGP array; the index is already printed (NULL: name[i]). */
    void (*index)(void *ud, StrBuf *out, const Sym *sym, const char *idx);
    /* Print an RNG call; args already printed into argv strings. */
    void (*rng)(void *ud, StrBuf *out, const Sym *sym, char **argv, int argc);
    void *ud;
    /* #line support: when line_file is set, each statement is preceded by
     * "#line <loc.line + line - 1> \"<line_file>\"" whenever its line changes. */
    const char *line_file;
    int line_base;
    /* How a double exp() is printed (NULL: "exp"); the C back end's connectivity updates
     * print snn_exp_memo (snn_philox.h: exp without libm's slow underflow path, remembered
     * per thread) */
    const char *exp_name;
    /* Integer div/mod (optional; both NULL: none): uint_name prints a name known to hold a
     * non-negative integer below 2^32 as a C unsigned expression (false: not one); num
     * gives a name's compile-time value (false: none). With both, div(a, b) and mod(a, b)
     * of such a name by a positive integer constant below 2^32 print as C's unsigned '/'
     * and '%' (the compiler strength-reduces them), the same values as snn_div/snn_mod:
     * a / b of integers below 2^32 is never rounded up to the next integer, and
     * b * floor(a / b) and a - that are exact. */
    bool (*uint_name)(void *ud, StrBuf *out, const Sym *sym);
    bool (*num)(void *ud, const Sym *sym, double *v);
} CodePrinter;
void code_print_expr(StrBuf *out, const Expr *e, const CodePrinter *p);
/* Statements, one per line, each line indented by 'indent' spaces, braces on every block. */
void code_print_stmts(StrBuf *out, const Stmt *s, int indent, const CodePrinter *p);
/* A C literal for v: "20.0f" or "20.0" (always with '.' or exponent, round-trip exact). */
void code_print_number(StrBuf *out, double v, bool is_float);

// template.c - the tiny template expander (see docs/architecture.md "Templates")
typedef struct TmplScope TmplScope;
TmplScope *tmpl_scope_new(TmplScope *parent);
void tmpl_set(TmplScope *s, const char *name, const char *value); /* copies value */
void tmpl_set_bool(TmplScope *s, const char *name, bool value);
/* Append a child scope to list 'name' ({{#name}} repeats once per child). */
TmplScope *tmpl_list_add(TmplScope *s, const char *name);
/* Declare list 'name' in s with no items yet (a list may legitimately stay empty). */
void tmpl_list_declare(TmplScope *s, const char *name);
/* Expand template text 'src' (named 'tname' in messages) into out.  Returns 0, or -1 after
 * reporting "template tname:LINE: error: ..." through diag. */
int tmpl_expand(StrBuf *out, const char *src, const char *tname, TmplScope *scope);
/* Embedded templates (templates.gen.c, made by tools/embed.c from templates/). */
const char *tmpl_builtin(const char *path); /* e.g. "c/model.c.tmpl"; NULL if none */
/* Load a template: from --template-dir when set, else the embedded copy. */
const char *tmpl_get(const char *path);
void tmpl_set_dir(const char *dir);

// lua_host.c + lua_api.c - the front end
typedef struct LoadOptions {
    size_t mem_limit;           /* bytes for the Lua state; default 512 MiB */
    uint64_t instr_limit;       /* instructions; default 1e9 */
    unsigned time_limit;        /* wall-clock seconds; default 120 */
    const char *const *defines; /* "name=value" from -D, for param() */
    int n_defines;
} LoadOptions;
/* Run the model file in a sandboxed Lua state and return the IR (NULL after errors). */
Model *load_model(const char *path, const LoadOptions *opt);
/* Same, with the model text given directly (tests); 'path' names it in messages. */
Model *load_model_string(const char *path, const char *text, const LoadOptions *opt);

// ir.c
/* Canonical text form of the IR (stable: the model hash is computed over it). */
void ir_dump(StrBuf *out, const Model *m);
uint64_t ir_hash(const Model *m);
/* Expected number of synapses of a projection: exact for every built-in rule but
 * fixed_probability (its mean); -1 for a user-defined rule or a matrix from a file
 * (unknown until built). */
double ir_expected_synapses(const Projection *pj);
const char *init_kind_name(InitKind k);
const char *conn_kind_name(ConnKind k);
/* The rule's name as the model spells it: conn_kind_name, or a connectivity{}'s name. */
const char *conn_rule_name(const ConnRule *c);
const char *psm_kind_name(PsmKind k);
const char *cs_kind_name(CurrentKind k); /* "dc", "noise", ... */
const char *cs_param_name(CsParam p);    /* "amp", "mean", ... */
bool cs_has_param(CurrentKind k, CsParam p);
double cs_param_value(const CurrentSource *cs, CsParam p);

// check.c
/* Semantic checks; parses and resolves the code strings.  Returns the error count. */
int check_model(Model *m);
/* snncc --mpi: synapse code that reads a presynaptic neuron's variable (V_pre) is refused
 * (the source may live on another rank).  Returns the error count. */
int check_mpi_synapse_code(const Model *m);
/* Custom updates (custom.c, called by check_model): references resolved and checked, code
 * parsed and resolved, groups collected.  Returns the error count. */
int check_custom_updates(Model *m);
/* snncc --mpi: a custom update over synapses that reads the source neuron's variables
 * (V_pre) is refused (custom.c).  Returns the error count. */
int check_mpi_custom_updates(const Model *m);
/* Connectivity updates (rewire.c, called by check_model): projection resolved and checked,
 * code parsed and resolved, Projection.rewired set.  Returns the error count. */
int check_conn_updates(Model *m);
/* snncc --mpi: removal code that reads a presynaptic neuron's variable is refused. */
int check_mpi_conn_updates(Model *m);
/* Sanitised C identifier from a model name ("E-1" -> "E_1"). */
const char *c_ident(const char *name);

// emit_c.c - the C back end
typedef struct EmitOptions {
    bool line_directives; /* #line into the model file (default on) */
    bool mpi;             /* snncc --mpi on an unbatched model: built with SNN_MPI (neurons
                           * split over the ranks); a batched one runs the single-process
                           * step on every rank (SNN_MPI_LANES): false */
} EmitOptions;
/* Write the generated sources into dir (created).  Returns 0 or -1 after reporting. */
int emit_c(const Model *m, const char *dir, const EmitOptions *opt);

// driver.c - build the generated simulator
typedef struct BuildOptions {
    const char *cc;        /* default $CC or "cc" */
    const char *cflags;    /* default: see snncc --help; $SNNCC_CFLAGS appended */
    const char *rt_inc;    /* runtime include dir */
    const char *rt_lib;    /* runtime library dir */
    int verbose;
    bool mpi;              /* build with $MPICC (default mpicc), -DSNN_MPI=1, libsnnrt_mpi.a */
    const char *nvcc;       /* CUDA back end: default $NVCC, nvcc on the PATH, /usr/local/cuda/bin/nvcc */
    const char *nvcc_flags; /* default: see snncc --help */
} BuildOptions;
/* Find the runtime next to the running snncc (../lib, ../include/snncc), or from
 * $SNNCC_RUNTIME.  Returns 0 or -1 with a message. */
int driver_find_runtime(BuildOptions *bo, const char *argv0);
/* Compile dir/<name>.c into dir/<name>.  Returns 0 or -1 after reporting. */
int driver_build(const Model *m, const char *dir, const BuildOptions *bo);

/* Utility: write a file only when its content changed (keeps make timestamps). */
int write_file_if_changed(const char *path, const char *data, size_t n);

#endif /* SNNCC_H */
