/*
 * backend.h - the code generators (back ends) and the lowering they share.
 *
 * A back end is one row of the table in backend.c: a name for -b/--backend, the function
 * that writes the generated sources, the function that builds them (driver.c) and the
 * files it leaves in the output directory.  main.c only goes through the table.
 *
 * Both back ends lower the same checked IR with the same plan: the input accumulators of
 * a population (Inputs), spike queue depths, initialiser descriptors for libsnnrt, and the
 * neuron update and weight update code printed from the code strings.  lower.c owns these
 * pieces and exports them below (emit_ prefix); emit_c.c and emit_cuda.c both call them,
 * so both back ends print the same code for the same model (the CUDA back end runs the
 * per-neuron and per-synapse code on the device, one thread per neuron or synapse).
 */
#ifndef SNNCC_BACKEND_H
#define SNNCC_BACKEND_H

#include "snncc.h"

/* ---- the table ----------------------------------------------------------------------- */

/* The CUDA back end's own options (emit_cuda). */
typedef struct CudaOptions {
    /* spike propagation strategy per projection, "NAME=pre" / "NAME=post" ("*" for every
     * projection; default: chosen by emit_cuda.c), and the firing rate in Hz the choice
     * assumes (0: 10 Hz) */
    const char *const *span;
    int n_span;
    double rate;
    /* build sparse projections on the GPU where it can (0, the default) or always on the
     * host (1, --cuda-construct host) */
    int construct;
} CudaOptions;

/* What main.c hands the back end: the options every back end takes, and each back end's
 * own (a back end reads only its own). */
typedef struct BackendOptions {
    EmitOptions emit;
    CudaOptions cuda;
} BackendOptions;

typedef struct Backend {
    const char *name;    /* -b NAME */
    const char *title;   /* in messages: "C", "CUDA" */
    const char *summary; /* for --help and error messages */
    /* Write the generated sources into dir.  Returns 0 or -1 after reporting. */
    int (*emit)(const Model *m, const char *dir, const BackendOptions *bo);
    /* Build dir/<name> from them.  Returns 0 or -1 after reporting. */
    int (*build)(const Model *m, const char *dir, const BuildOptions *bo);
    /* Files the back end writes into dir, as suffixes of the model name (".c", ".cu"), and
     * intermediate files of the build: removed after a build without --keep. */
    const char *sources[4];
    const char *intermediates[4];
    /* What it can do (BE_* flags): backend_refuse reports what a model or an option
     * needs that the back end lacks. */
    unsigned caps;
} Backend;

enum {
    BE_MPI = 1u << 0,           /* --mpi */
    BE_MPI_PLASTIC = 1u << 1,   /* weight update models with --mpi */
    BE_RECORD_SYNAPSES = 1u << 2, /* record { <projection> = "<synapse var>" } */
    BE_ADD_TO = 1u << 3,        /* add_to_post / add_to_pre in synapse code */
    BE_DENSE_PLASTIC = 1u << 4, /* format = "dense" with a weight update model */
    BE_CUSTOM_UPDATES = 1u << 5, /* custom_update{} */
    BE_CONN_UPDATES = 1u << 6,  /* connectivity_update{} */
    BE_MPI_CUSTOM = 1u << 7,    /* custom_update{} with --mpi */
    BE_BATCH = 1u << 8,         /* network{ batch = B } */
    BE_MPI_CONN_UPDATES = 1u << 9, /* connectivity_update{} with --mpi */
    BE_RECORD_ANY_SYNAPSES = 1u << 10, /* synapse recordings of dense projections, --mpi */
    /* in a batched model: weight update models, custom updates, data sets */
    BE_BATCH_LEARN = 1u << 11,
    /* in a batched model: custom updates over the neurons of a population (and batch_sum /
     * batch_max reductions over the lanes, reductions over the neurons per lane) */
    BE_BATCH_CUSTOM = 1u << 12,
    /* connectivity_update{} on a projection with per-synapse delays */
    BE_CONN_UPDATE_DELAYS = 1u << 13,
    BE_BATCH_DATASET = 1u << 14, /* spike_source_dataset populations in batched models */
    /* in a batched model: weight update models (per-lane synapse, pre and post variables,
     * weights, add_to inputs), where BE_BATCH_LEARN is missing */
    BE_BATCH_SYN = 1u << 15,
    /* in a batched model: custom updates over the synapses of a projection (per-lane and
     * held-once variables, batch reductions over the lanes), where BE_BATCH_LEARN is missing */
    BE_BATCH_CUSTOM_SYN = 1u << 16,
    /* in a batched model: connectivity_update{} (rows shared by the lanes, every lane's
     * synapse variables moved with their synapses), where BE_BATCH_LEARN is missing */
    BE_BATCH_CONN_UPDATES = 1u << 17,
};

/* Report (with the model file's lines) every part of m, or of the options, that back end
 * be cannot handle.  Returns the number of errors. */
int backend_refuse(const Backend *be, const Model *m, bool mpi);

/* The back end named 'name', or NULL. */
const Backend *backend_find(const char *name);
/* "c, cuda": the names, for messages. */
const char *backend_names(void);

// emit_cuda.c
int emit_cuda(const Model *m, const char *dir, const EmitOptions *opt, const CudaOptions *co);

// driver.c
int driver_build_cuda(const Model *m, const char *dir, const BuildOptions *bo);

/* ---- the shared lowering (lower.c) --------------------------------------------------- */
/* Batched models: the step's random draws take the lane (snn_rng_init_lane, snn_lane);
 * set by the C emitter per model (false: lane 0's calls, unchanged). */
void lower_set_lanes(bool on);
/* C neuron loops: start each neuron's stream from first blocks computed a chunk at a time
 * (not with lanes); returns whether it is on. */
bool lower_set_rng_first(bool on);
/* C neuron loops: whether Poisson source cs counts from thresholds on a first-block word
 * (constant rate below 10 per step, no lanes), and turning that on for population p (NULL:
 * off; returns whether p has such a source). */
bool lower_poisson_words(const Model *m, const CurrentSource *cs);
bool lower_set_pois_first(const Model *m, const Population *p);
/* C runs of short sparse rows: between lower_gather_begin and lower_gather_end (which
 * returns their count), synapse code reads the pre and post variables from gather buffers
 * snn_gv<j>[snn_i]; lower_gather_array(j, &post) is buffer j's array, indexed by the source
 * (post false) or by the target. */
#define LOWER_GATHER_MAX 16 /* 16 buffers of SNN_DYN_RUN scalars: 32 KiB of stack in double */
void lower_gather_begin(void);
int lower_gather_end(void);
const char *lower_gather_array(int j, bool *post);
/* C dense rows (emit_c.c, add_pre_row): add_to_pre printed as SNN_ADD_TO_PRE_ROW (mode 1),
 * into the row's accumulator with its fast front's double in a register, or as
 * SNN_ADD_TO_PRE_BUF (mode 2), the term into the row's buffer snn_xt; 0: SNN_ADD_TO_PRE. */
void lower_set_add_pre_row(int mode);
/* C back end: poisson(lambda) of a constant lambda in code strings from a table of count
 * thresholds filled once (lower.c); lower_ptabs_end gives the tables' declarations and
 * model_build's code that fills them. */
void lower_ptabs_begin(bool on);
void lower_ptabs_end(const char **decls, const char **init);

/* "#line SNN_RESYNC": after a code string's #line directives, emit_expand_write points the
 * marker at the generated file's next line. */
#define EMIT_RESYNC "#line SNN_RESYNC"

#define MAX_INPUTS 256 /* input accumulators per population (check.c: MAX_PROJS) */

/* The input accumulators of a population: one per distinct postsynaptic model among its
 * incoming projections and Poisson current sources (check.c assigns the slots). */
typedef struct Inputs {
    int n;
    const Psm *psm[MAX_INPUTS];
    bool dendritic[MAX_INPUTS]; /* fed by a projection with per-synapse delays */
} Inputs;

Inputs emit_inputs_of(const Model *m, const Population *p);
/* The function of a user-defined initialiser (in->kind == INIT_CODE) as C text:
 * "<qual>double <cname>(uint64_t seed, uint32_t stream, uint32_t elem, uint32_t draw)"; the
 * CUDA back end emits device copies for weights it draws on the GPU. */
const char *emit_init_function(const Init *in, const char *qual, const char *cname);
/* Spike queue depth of the C back end: the longest delay leaving p in steps (at least 1). */
int emit_n_slots(const Model *m, const Population *p);
/* Steps between spike exchanges of an MPI run (SNN_INTERVAL): the shortest delay in steps,
 * 1 with per-synapse delays or presynaptic spike code of a weight update model. */
int emit_exchange_interval(const Model *m);
/* The snn_init descriptor of an initialiser, its draws from stream 'stream' (C text); the
 * _syn form for a synapse variable (snn_init_synapses: synapse-keyed draws).  The
 * functions of user-defined initialisers go into a list that emit_initfns_begin starts and
 * emit_initfns_end returns (templates/c/model.c.tmpl {{initfns}}). */
const char *emit_c_init(const Init *in, const char *stream);
const char *emit_c_init_syn(const Init *in, const char *stream);
void emit_initfns_begin(const Model *m);
const char *emit_initfns_end(void);
/* A C double constant ("%.17g"; infinities as INFINITY), arena allocated. */
const char *emit_c_double(double v);
/* The CodePrinter rng hook of code evaluated in double precision (initialisers,
 * connectivity code): draws from snn_rng_st. */
void emit_print_rng_scalar(StrBuf *out, const char *name, bool is_float, char **argv, int argc);
void emit_print_rng_double(void *ud, StrBuf *out, const Sym *sym, char **argv, int argc);
/* "{ statements; var = value; }": a code string's value assigned to var, printed with pr
 * (emit_c.c; user-defined connectivity and connectivity updates). */
void emit_code_value(StrBuf *o, CodePrinter pr, const CodeStr *cs, const char *var, int indent,
                     const EmitOptions *opt);
/* The printer of population p's code strings, without #line directives (initial values
 * from code). */
CodePrinter emit_pop_printer(const Model *m, const Population *p);
/* A literal of the model's scalar type ("20.0f" / "20.0"), arena allocated. */
const char *emit_scalar_literal(double v, bool is_float);
/* Element type of a projection's target indices ("uint16_t" / "uint32_t"). */
const char *emit_ind_type(const Projection *pj);
/* Does the projection store one weight per synapse? */
bool emit_per_synapse_weight(const Projection *pj);
/* Synapses a projection is expected to have (ir_expected_synapses), with a guess for
 * user-defined rules: for cost estimates (build order, CUDA propagation strategy). */
double emit_expected_work(const Projection *pj);
/* Are the neuron or synapse code's names usable?  (state arrays are <pop>_<var>; two
 * populations must not produce the same name).  Returns the error count. */
int emit_check_state_names(const Model *m);

/* (emit_c.c) The template scope of templates/c/model.c.tmpl: per population its
 * declarations (host state), allocation, dendritic rings, initial values and update loop;
 * per projection its declaration, builder, initial values, propagation and plasticity; the
 * build order and the descriptor's lists.  The CUDA back end expands its host template
 * with it; cu_build (its host half; NULL for the C back end): per projection, whether its
 * construction tries snn_cu_build (the device builder) before snn_ragged_build. */
TmplScope *emit_c_scope(const Model *m, const EmitOptions *opt, const bool *cu_build);
/* Expand template 'tmpl' with g, point #line SNN_RESYNC markers at the generated file and
 * write dir/fname.  Returns 0 or -1 after reporting. */
int emit_expand_write(TmplScope *g, const char *tmpl, const char *dir, const char *fname);
/* The sb contents as an arena string without its last newline; sb is reset. */
const char *emit_take(StrBuf *sb);
/* Does generated code 'code' name the C identifier 'ident' (a whole token: not a part of a
 * longer name)?  For declaring only the locals a generated body uses (-Wunused-variable). */
bool emit_mentions(const char *code, const char *ident);

/* Neuron update of one population: per-step values before the neuron loop, and the body of
 * the loop for neuron snn_i (indented by 4).  Names the code uses: snn_step, snn_r->seed,
 * the state arrays <pop>_<var>, snn_flag_<pop>, snn_in<k>_<pop>, ... (see emit_c.c). */
void emit_update_prologue(StrBuf *o, const Model *m, const Population *p);
void emit_update_body(StrBuf *o, const Model *m, const Population *p, const EmitOptions *opt);
/* Weight update model code: load the synapse variables at position 'pos' (the weight from
 * wptr[pos]), run pj->syn_code[kind], store them; and per-neuron trace code for neuron
 * snn_k named idx ("snn_pre" / "snn_post").  The code may name snn_pre, snn_post (the
 * synapse's source and this rank's index of its target), step. */
/* Where a synapse's code runs, for its random draws (keyed by the synapse's identity:
 * source snn_pre, global target, ordinal among the pair's multapses): expressions for the
 * first storage position of its row, the row storage's target indices, and its global
 * target. */
typedef struct SynSite {
    const char *row_start, *ind, *post;
} SynSite;
void emit_syn_code(StrBuf *o, const Model *m, const Projection *pj, SynCodeKind kind,
                   const char *pos, const char *wptr, const SynSite *site, int indent,
                   const EmitOptions *opt);
void emit_trace_code(StrBuf *o, const Model *m, const Projection *pj, SynCodeKind kind,
                     const char *idx, const EmitOptions *opt);
/* The same with the C back end's thread views: 'local' reads the synapse variables from
 * the thread's part of each array (snn_svt_<var>) instead of the whole array; the trace
 * code's draws keyed by elem instead of idx. */
void emit_syn_code_at(StrBuf *o, const Model *m, const Projection *pj, SynCodeKind kind,
                      const char *pos, const char *wptr, bool local, const SynSite *site,
                      int indent, const EmitOptions *opt);
void emit_trace_code_at(StrBuf *o, const Model *m, const Projection *pj, SynCodeKind kind,
                        const char *idx, const char *elem, const EmitOptions *opt);

/* ---- custom updates (custom.c) ----------------------------------------------------- */

/* The C back end's custom updates: {{cu_fns}} (one function per group), {{cu_init}} (the
 * variables' initial values), {{cu_descs}} and {{n_cu_groups}} (the groups' descriptors). */
void cu_c_scope(TmplScope *g, const Model *m, const EmitOptions *opt);
/* The phase 'custom_update' of the C step: each group's call when it is due. */
void cu_phase_code(StrBuf *o, const Model *m);
/* train.c: the training loop's hooks (variables by name, groups on demand, data set feeds) */
void train_c_scope(TmplScope *g, const Model *m);
/* The CUDA back end's copy of state entry 'state' for the training loop's functions: a
 * statement, or NULL where the device holds none (emit_cuda.c); how: */
enum { TRAIN_IO_FETCH, TRAIN_IO_PUT, TRAIN_IO_MIRROR, TRAIN_IO_TABLE, TRAIN_IO_POS };
typedef const char *(*TrainIoFn)(void *ctx, const char *state, int how);
/* The same for an unbatched CUDA simulator: its host half's functions around the device's
 * copies (train_fns_cu, var_descs, n_var_descs) */
void train_cuda_scope(TmplScope *h, const Model *m, TrainIoFn io, void *ctx);

/* ---- connectivity updates (rewire.c) ------------------------------------------------- */

/* The C back end's connectivity updates: {{rewire_fns}} (one function per update),
 * {{rewire_setup}} (after construction: counters, streams, capacity, rows re-laid),
 * {{rewire_release}}. */
void rewire_c_scope(TmplScope *g, const Model *m, const EmitOptions *opt);
/* The CUDA back end's connectivity updates (templates/cuda/model.cu.tmpl): kernels, their
 * host launchers and setup, the launches after a step ({{rewire_after}}), the steps the
 * host must act after (due), setup at start and the counters at the end. */
void rewire_cuda_code(StrBuf *kern, StrBuf *host, StrBuf *after, StrBuf *due, StrBuf *start,
                      StrBuf *finish, const Model *m, const EmitOptions *opt);
/* The phase 'conn_update' of the C step: each update when it is due. */
void rewire_phase_code(StrBuf *o, const Model *m);

/* The CUDA back end's custom updates: kernels (kern), the groups' launchers (host), their
 * launches when due after a step (after) and the test for graph stretches (due). */
void cu_cuda_code(StrBuf *kern, StrBuf *host, StrBuf *after, StrBuf *due, const Model *m,
                  const EmitOptions *opt);

/* ---- the phase table (phases.c) ------------------------------------------------------ */

/* One phase of a time step; phase_table lists them in the order of a step, and both back
 * ends generate their step from it (docs/architecture.md "The phase table"). */
typedef enum PhaseOver {
    PH_MODEL,   /* once */
    PH_POPS,    /* per population */
    PH_PROJS,   /* per projection */
    PH_SYNRECS, /* per synapse recording */
} PhaseOver;
typedef enum PhasePart {
    PH_SERIAL,  /* C: on the master thread, between the parallel regions */
    PH_THREADS, /* C: in a parallel region, each thread on its own block of targets */
} PhasePart;
typedef enum PhaseTimer {
    PH_UNTIMED, /* C: not in the step's timers (or timed where it runs: the exchange) */
    PH_DELIVER, /* C: thread 0's time counts as delivery (run.json) */
    PH_UPDATE,  /* C: counts as update */
} PhaseTimer;
typedef enum PhaseGrid {
    PH_GRID_NONE,
    PH_GRID_STRIDE, /* snn_grid blocks, grid-stride loops */
    PH_GRID_UPDATE, /* a thread per neuron of every population */
    PH_GRID_TRACES, /* a thread per neuron of the largest traced population */
    PH_GRID_ONE,    /* one block of 32 threads */
} PhaseGrid;
typedef struct Phase {
    const char *name;
    const char *doc;
    PhaseOver over;
    PhasePart part;
    PhaseTimer timer;
    bool mpi_only; /* C: under #ifdef SNN_MPI */
    /* C: the items that take part (NULL: all), and per item either c_code or the call
     * c_call (a model phase: the code; else a format with %s for the item's name) */
    bool (*c_when)(const Model *m, int i);
    void (*c_code)(StrBuf *o, const Model *m, int i);
    const char *c_call;
    /* CUDA: when the kernel is launched (NULL: always), the kernel in snn_launch_step
     * (NULL: none), its grid, the timer event recorded after the phase (sampled steps),
     * and where the phase runs instead when it has no kernel of its own */
    bool (*cuda_when)(const Model *m);
    const char *cuda_kernel;
    PhaseGrid grid;
    const char *cuda_mark;
    const char *cuda_where;
    /* C: the phase can run for a window of steps (up to the minimum delay) between two joins
     * of the step threads (docs/parallel.md "Joining once per minimum delay") */
    bool window;
} Phase;

extern const Phase phase_table[];
extern const int phase_count;

/* Does the C back end run phase ph for model m (any item taking part)? */
bool phase_active(const Model *m, const Phase *ph);
/* The C back end's step: the parallel regions' functions (regions) and model_step's body
 * (body), from the table (templates/c/model.c.tmpl {{step_regions}}, {{step_body}}). */
void phases_c_step(const Model *m, StrBuf *regions, StrBuf *body);
/* The steps the C back end's step threads may run between two joins: the minimum delay in
 * steps (emit_exchange_interval) when every active phase allows a window (Phase.window) and
 * no state is recorded per step, else 1.  Above 1, phases_c_step also generates
 * model_steps (a window of steps, one parallel region). */
int phases_c_window(const Model *m);
/* Batched models: model_step without the tail from 'custom_update' on, and the tail as the
 * lanes run it (every lane's phase before the next phase; phases.c). */
void phases_c_step_lanes(const Model *m, StrBuf *regions, StrBuf *body, StrBuf *tail);
/* Batched models: does custom update cu run once (all it touches is held once; custom.c)? */
bool cu_runs_once(const Model *m, const CustomUpdate *cu);
/* The body of the CUDA back end's snn_launch_step (templates/cuda/model.cu.tmpl
 * {{launch_step}}); update_blocks and trace_n: the update grid and the traced neurons. */
void phases_cuda_launch(const Model *m, StrBuf *o, const char *update_blocks,
                        const char *trace_n);
/* The same for --mpi (flags CUDA_MPI_*): part 0 every kernel, 1 those of the phases before
 * 'exchange' (snn_launch_step), 2 those after it (snn_launch_late); with CUDA_MPI_XACC
 * without pre_inputs' kernel (snn_cu_pre_inputs launches it). */
enum { CUDA_MPI_SPLIT = 1u, CUDA_MPI_XACC = 2u };
void phases_cuda_launch_mpi(const Model *m, StrBuf *o, const char *update_blocks,
                            const char *trace_n, int part, unsigned mpi);
/* Does snn_launch_step launch phase ph's kernel for model m? */
bool phase_cuda_launched(const Model *m, const Phase *ph);
/* The CUDA back end's host part of a step, in table order: snn_cu_step's code after the
 * step's kernels (model.cu.tmpl {{after_kernels}}) and the host half's model_step body
 * (host.c.tmpl, common/model_step.tmpl {{step_body}}). */
void phases_cuda_host(const Model *m, StrBuf *after_kernels, StrBuf *host_step);
void phases_cuda_host_mpi(const Model *m, StrBuf *after_kernels, StrBuf *host_step,
                          unsigned mpi);
/* Does every entry of the CUDA host part name a phase of the table? */
bool phases_cuda_host_valid(void);
/* Set the template flag named after each phase's kernel: launched or not. */
void phases_cuda_flags(const Model *m, TmplScope *g);

/* ---- the state table (state.c) ------------------------------------------------------ */

/* Every array or value a model's simulator holds, one entry each, built from the checked
 * IR (docs/architecture.md, "The state table").  The C back end declares and allocates
 * its state from it (emit_c.c), the CUDA back end's mirror list is its 'device' entries
 * (emit_cuda.c), and checkpoints and batches are to use 'stored' and the shapes. */
typedef enum StateKind {
    SK_VAR,          /* neuron variable <pop>_<var> */
    SK_FLAG,         /* spike flags of the current step */
    SK_EGP,          /* extra global parameter (compiled in) */
    SK_RPARAM,       /* runtime parameter of a population */
    SK_RPARAM_SRC,   /* runtime parameter of a current source */
    SK_SS_STARTS,    /* spike source array: start of each neuron's list */
    SK_SS_TIMES,     /* spike source array: the times, in steps */
    SK_SS_CURSOR,    /* spike source array: next time of each neuron */
    SK_INPUT,        /* input accumulator snn_in<k> */
    SK_ALPHA_X,      /* alpha current state snn_ax<k> */
    SK_ALPHA_Y,      /* its derivative snn_ay<k> */
    SK_RING_DEPTH,   /* rows of a dendritic delay ring snn_ddn<k> */
    SK_RING,         /* dendritic delay ring snn_dd<k> */
    SK_QUEUE,        /* spike queue (templates: snn_spk, snn_spkcnt) */
    SK_SPIKES,       /* spikes of an interval or a step (templates: snn_lspk, snn_tspk, ...) */
    SK_ROWS,         /* a projection's rows, one snn_ragged per thread block */
    SK_SEED,         /* the run's seed for draws in synapse code */
    SK_STREAM,       /* the stream of one synapse code string */
    SK_RPARAM_SYN,   /* runtime parameter of a weight update model */
    SK_SYN_OFFSETS,  /* each thread block's synapses in the synapse variables */
    SK_SYN_VAR,      /* synapse variable snn_sv_<proj>_<var> */
    SK_PRE_VAR,      /* presynaptic variable snn_pv_<proj>_<var> */
    SK_POST_VAR,     /* postsynaptic variable snn_qv_<proj>_<var> */
    SK_COLUMNS,      /* column view for on_post, per thread block */
    SK_PRE_INPUT,    /* add_to_pre: the rounded sum into each source's input, snn_pin_<proj> */
    SK_XACC,         /* add_to_pre: exact accumulators per thread block and source, plus the
                      * total, snn_xa_<proj> */
    SK_CU_VAR,       /* custom-update variable snn_cu_<update>_<var> (per element or reduced) */
    SK_RPARAM_CU,    /* runtime parameter of a custom update snn_rpu_<update>_<param> */
    SK_DS_LEN,       /* data set: the example length in steps */
    SK_DS_COUNT,     /* data set: the examples (positions) this run presents */
    SK_DS_LABELS,    /* data set: the label of each position */
    SK_DS_EXAMPLES,  /* data set: the example index of each position */
    SK_DS_START,     /* data set: the position of step 0 in the example sequence (the cursor) */
    /* the CUDA back end's device-only state (templates/cuda/model.cu.tmpl) */
    SK_REC_BLOCK,    /* a population's recording block on the device: ids and counts per step */
    SK_DEV_COUNTER,  /* the model's device counters: spikes, recorded ids, the step, the scan */
    SK_RUN_CONSTS,   /* the run's constants the kernels read (the seed) */
    SK_SCRATCH,      /* procedural rows' scratch in global memory, per block of the grid */
    SK_CU_ACC,       /* custom update: a batch reduction's accumulator (batched models) */
    SK_COUNT
} StateKind;

typedef enum StateShape {
    SS_VALUE,     /* one value */
    SS_LOCAL,     /* per neuron of this rank: SNN_NL_<pop> */
    SS_LOCAL_PAD, /* SNN_NL_<pop> + 1 */
    SS_GLOBAL,    /* per neuron of the population: SNN_N_<pop> */
    SS_GLOBAL_1,  /* SNN_N_<pop> + 1 */
    SS_LIST,      /* a list of the length the data says */
    SS_RING,      /* ring rows x SNN_NL_<pop> */
    SS_QUEUE,     /* queue slots x SNN_N_<pop> */
    SS_SLOTS,     /* per queue slot */
    SS_STEPS,     /* per step of an exchange interval */
    SS_SYNAPSE,   /* per synapse (the rows' capacity) */
    SS_THREAD,    /* per thread block */
    SS_THREAD_1,  /* per thread block, plus one */
    SS_XACC,      /* (thread blocks + 1) x SNN_N_<pop> exact accumulators (SNN_XW words) */
    SS_POPS,      /* per population of the model (SNN_NPOPS) */
    SS_REC_IDS,   /* recording block: SNN_REC_BLOCK steps x SNN_N_<pop> ids */
    SS_REC_STEPS, /* recording block: per step (SNN_REC_BLOCK) */
    SS_GRID,      /* per block of the CUDA grid */
    /* room for SS_*_LANE: the same per batch lane */
} StateShape;

typedef enum StateInit {
    SI_ZERO,     /* allocated zeroed (and rewritten as the run goes) */
    SI_INITIAL,  /* initial values (initialisers, data, code) at model_init */
    SI_VALUE,    /* a value, compiled in or set at model_init */
    SI_BUILT,    /* built at construction (model_build) */
    SI_COMPILED, /* a constant array compiled into the simulator */
} StateInit;

typedef enum StateAlloc {
    SA_NONE,  /* declared with its value, or by the template */
    SA_POP,   /* with the population's arrays, before the projections are built */
    SA_RINGS, /* after the projections are built (the rings' depth is known) */
    SA_SYN,   /* with a plastic projection's state, after its rows */
    SA_TEMPLATE, /* allocated by the template */
} StateAlloc;

typedef struct StateEntry {
    StateKind kind;
    const char *name;           /* C name */
    const char *type;           /* element type: "scalar", "uint32_t", "snn_ragged", ... */
    StateShape shape;
    const Population *pop;      /* the population it is declared with (NULL: a projection's) */
    const Projection *proj;     /* the projection that owns it, or NULL */
    const CurrentSource *src;   /* the current source that owns it, or NULL */
    const CustomUpdate *cu;     /* the custom update that owns it, or NULL */
    int index;                  /* variable, parameter, input or code string index */
    StateInit init;
    StateAlloc alloc;
    bool stored;      /* a checkpoint must save it (else rebuilt from the model and run) */
    bool device;      /* the CUDA back end mirrors it to the device */
    bool compiled_in; /* a constant array in the simulator (a run config may replace it) */
    bool in_template; /* declared by the template, not by the emitter */
    /* The CUDA back end holds it on the device only: no host copy, declared in the device
     * half (.cu; per population by emit_cuda from these entries, model-wide by
     * templates/cuda/model.cu.tmpl) with device_note as its comment */
    bool device_only;
    bool cuda_only;   /* only the CUDA back end has it (the C back end: none) */
    const char *device_note;
    bool lane;        /* batched models: one copy per batch lane (state_lane_kind) */
    double value;     /* SS_VALUE runtime parameters: the compiled-in value */
    const char *what; /* for messages: "population 'E' variable 'V'" */
    const char *note; /* the declaration's comment, or NULL */
} StateEntry;

typedef struct StateTable {
    StateEntry *v;
    int n, cap;
} StateTable;

/* The state table of a checked model, arena allocated. */
StateTable state_table(const Model *m);
/* Bytes of an entry's array as a C expression: on the host (all thread blocks) or in the
 * CUDA back end's device copy (one block). */
const char *state_bytes(const StateEntry *e, bool device);
/* Does the projection key random numbers by its synapses' identities (random draws in
 * per-synapse code, random initial values of synapse variables; snn_check_multapses)? */
bool state_needs_positions(const Projection *pj);
bool state_dyn_columns(const Projection *pj);
/* Batched models: is the projection's weight held per lane (a weight update model's
 * weight not declared shared)? */
bool state_weight_per_lane(const Model *m, const Projection *pj);
/* Is a state of this kind held once per batch lane in a batched model? */
bool state_lane_kind(const StateEntry *e);
/* Names, for --state. */
const char *state_kind_name(StateKind k);
const char *state_shape_name(const StateEntry *e);
/* The population an entry is sized by (its neurons, for per-neuron shapes). */
const char *state_size_pop(const StateEntry *e);
const char *state_init_name(StateInit i);
/* The table as text, one entry a line (snncc --state). */
void state_print(StrBuf *o, const StateTable *t);

#endif /* SNNCC_BACKEND_H */
