all:

# snncc top-level Makefile (non-recursive; everything is built out of tree in $(BUILD)).
#
# Knobs (set on the command line or in config.mk):
#   CC=cc                 C compiler for snncc, libsnnrt and the tests
#   CFLAGS=-O2 -g         user flags; project warnings are kept apart (WARN) and always on
#   WERROR=1              turn warnings into errors (0 to relax, e.g. with a newer compiler)
#   SANITIZE=             e.g. address,undefined: instrument everything, including the
#                         simulators that the tests generate (exported as SNNCC_CFLAGS)
#   BUILD=build           output directory (make asan uses build/asan)
#   PREFIX=/usr/local     install prefix; DESTDIR= staging root for packagers
#   MPICC=mpicc           MPI compiler wrapper for libsnnrt_mpi.a (simulators built with
#                         snncc --mpi); without it only the single-process runtime is built
#   NVCC=/usr/local/cuda/bin/nvcc  CUDA compiler for libsnnrt_cuda.a (simulators built with
#                         snncc --backend cuda); without it the library is not built (snncc
#                         then compiles its source, installed with the headers, per model)
#   TEST_JOBS=nproc       tests run at once by make test / make asan (tests/run.sh)
#   V=1                   show the commands
#
# Targets: all test test-gpu demo bench bench-scaling bench-peers bench-eprop bench-eprop-peer bench-eprop-sparse bench-dynamics bench-mc-floor bench-ckpt bench-ab install uninstall clean asan ubsan deps
-include config.mk

CC       ?= cc
CFLAGS   ?= -O2 -g
WERROR   ?= 1
SANITIZE ?=
BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
MPICC    ?= mpicc
HAVE_MPI := $(shell command -v $(MPICC) >/dev/null 2>&1 && echo 1)
NVCC     ?= /usr/local/cuda/bin/nvcc
HAVE_NVCC := $(shell command -v $(NVCC) >/dev/null 2>&1 && echo 1)
# libsnnrt_cuda.a is compiled with the flags snncc gives nvcc by default (one definition)
NVCC_RT_FLAGS := $(shell sed -n 's/^\#define NVCC_DEFAULT_FLAGS "\(.*\)"$$/\1/p' compiler/driver.c)

ifeq ($(V),1)
Q :=
else
Q := @
endif

WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings \
       -Wundef -Wformat=2 -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN += -Werror
endif
ifneq ($(SANITIZE),)
SANFLAGS = -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer -g
export SNNCC_CFLAGS = $(SANFLAGS)
endif

PKGS        = lua5.4 yaml-0.1 cmocka
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LUA_LIBS   := $(shell pkg-config --libs lua5.4 2>/dev/null)
YAML_LIBS  := $(shell pkg-config --libs yaml-0.1 2>/dev/null)
CMOCKA_LIBS:= $(shell pkg-config --libs cmocka 2>/dev/null)

DEPFLAGS   = -MMD -MP
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) $(DEPFLAGS) $(PKG_CFLAGS) \
             $(SANFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

COMPILER_SRC = $(filter-out compiler/main.c,$(wildcard compiler/*.c))
RUNTIME_SRC  = $(wildcard runtime/*.c)
RUNTIME_HDR  = runtime/snnrt.h runtime/snn_philox.h runtime/snn_xacc.h
TEMPLATES    = $(sort $(shell find templates -type f -name '*.tmpl' -o -type f -name '*.lua'))
UNIT_SRC     = $(wildcard tests/unit/test_*.c)
RT_TESTS     = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(filter tests/unit/test_rt_%,$(UNIT_SRC)))
CC_TESTS     = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(filter-out tests/unit/test_rt_% tests/unit/test_bench_%,$(UNIT_SRC)))
BENCH_TESTS  = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(filter tests/unit/test_bench_%,$(UNIT_SRC)))
BENCH_SRC    = $(filter-out bench/snnbench.c,$(wildcard bench/*.c))
BENCH_OBJ    = $(patsubst %.c,$(BUILD)/obj/%.o,$(BENCH_SRC))

SNNCC   = $(BUILD)/bin/snncc
LIBRT   = $(BUILD)/lib/libsnnrt.a
LIBCC   = $(BUILD)/lib/libsnncc.a
INCDIR  = $(BUILD)/include/snncc
HEADERS = $(patsubst runtime/%,$(INCDIR)/%,$(RUNTIME_HDR))
# the CUDA runtime's header and source: installed with the headers (snncc compiles the
# source for a model built with other nvcc flags; the tests' CPU emulation compiles it)
CUDA_RT  = runtime/cuda/rt_cuda.cu runtime/cuda/snn_cuda.h
HEADERS += $(patsubst runtime/cuda/%,$(INCDIR)/%,$(CUDA_RT))
GEN_TMPL = $(BUILD)/gen/templates.gen.c
SNNBENCH = $(BUILD)/bin/snnbench
ifeq ($(HAVE_MPI),1)
LIBRT_MPI = $(BUILD)/lib/libsnnrt_mpi.a
endif
ifeq ($(HAVE_NVCC),1)
LIBRT_CUDA = $(BUILD)/lib/libsnnrt_cuda.a
endif
# snncc-synthshd, the SynthSHD data-set generator (tools/synthshd.c, docs/datasets.md):
# built where libespeak-ng and libhdf5 are installed (Debian libespeak-ng-dev libhdf5-dev)
HAVE_SYNTHSHD := $(shell pkg-config --exists espeak-ng hdf5 2>/dev/null && echo 1)
ifeq ($(HAVE_SYNTHSHD),1)
SYNTHSHD = $(BUILD)/bin/snncc-synthshd
endif

all: deps $(SNNCC) $(LIBRT) $(LIBRT_MPI) $(LIBRT_CUDA) $(HEADERS) $(SNNBENCH) $(SYNTHSHD)

.PHONY: all deps test check unit demo bench bench-scaling bench-peers bench-eprop bench-eprop-peer bench-eprop-sparse bench-dynamics bench-mc-floor bench-ckpt bench-ab install uninstall clean asan ubsan test-gpu

# Install missing system packages (Debian); ci/install-deps is idempotent and quick when
# everything is there.  Elsewhere, install the equivalents of its list by hand.
deps:
	$(Q)if command -v dpkg-query >/dev/null; then ci/install-deps; \
	else pkg-config --exists $(PKGS) || { echo "missing: $(PKGS) (see ci/install-deps)"; exit 1; }; fi

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -Icompiler -Iruntime -c $< -o $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-overlength-strings -Icompiler -c $< -o $@

$(BUILD)/bin/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $< -o $@ $(ALL_LDFLAGS)

$(GEN_TMPL): $(BUILD)/bin/embed $(TEMPLATES)
	@mkdir -p $(dir $@)
	$(Q)$(BUILD)/bin/embed $@ templates $(patsubst templates/%,%,$(TEMPLATES))

$(LIBCC): $(patsubst %.c,$(BUILD)/obj/%.o,$(COMPILER_SRC)) $(BUILD)/obj/gen/templates.gen.o
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBRT): $(patsubst %.c,$(BUILD)/obj/%.o,$(RUNTIME_SRC))
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

# The runtime for MPI simulators: the same sources compiled with SNN_MPI by mpicc.
$(BUILD)/obj/mpi/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  MPICC   $<")
	$(Q)OMPI_CC=$(CC) $(MPICC) $(ALL_CFLAGS) -DSNN_MPI=1 -Iruntime -c $< -o $@

$(BUILD)/lib/libsnnrt_mpi.a: $(patsubst %.c,$(BUILD)/obj/mpi/%.o,$(RUNTIME_SRC))
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(INCDIR)/%.h: runtime/%.h
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

$(INCDIR)/%: runtime/cuda/%
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

# The CUDA back end's runtime (runtime/cuda, docs/cuda.md): nvcc, once; one library for
# simulators with and without MPI (it needs no MPI header).
$(BUILD)/lib/libsnnrt_cuda.a: $(CUDA_RT) $(RUNTIME_HDR)
	@mkdir -p $(dir $@) $(BUILD)/obj/runtime/cuda
	@$(if $(Q),echo "  NVCC    runtime/cuda/rt_cuda.cu")
	$(Q)$(NVCC) $(NVCC_RT_FLAGS) -Iruntime -c runtime/cuda/rt_cuda.cu -o $(BUILD)/obj/runtime/cuda/rt_cuda.o
	$(Q)rm -f $@ && ar rcs $@ $(BUILD)/obj/runtime/cuda/rt_cuda.o

$(SNNCC): $(BUILD)/obj/compiler/main.o $(LIBCC)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $^ -o $@ $(ALL_LDFLAGS) $(LUA_LIBS) -lm

# snnbench, the benchmark driver (bench/*.c; docs/benchmarking.md)
$(SNNBENCH): $(BUILD)/obj/bench/snnbench.o $(BENCH_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $^ -o $@ $(ALL_LDFLAGS) $(YAML_LIBS) -lm

# -O3: the filterbank loop over channels vectorised (no -ffast-math: the same bits everywhere)
$(BUILD)/bin/snncc-synthshd: tools/synthshd.c runtime/snn_philox.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -O3 -fopenmp -Iruntime $(shell pkg-config --cflags hdf5 espeak-ng) $< -o $@ \
	    $(ALL_LDFLAGS) -fopenmp $(shell pkg-config --libs hdf5 espeak-ng) -lm

$(BENCH_TESTS): $(BUILD)/tests/%: tests/unit/%.c $(BENCH_OBJ)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -Ibench $< -o $@ $(ALL_LDFLAGS) $(BENCH_OBJ) $(YAML_LIBS) $(CMOCKA_LIBS) -lm

# snn_compact_flags' vector paths, as the simulators (-march=native) compile them
$(BUILD)/tests/test_rt_compact: CFLAGS += -march=native

$(RT_TESTS): $(BUILD)/tests/%: tests/unit/%.c $(LIBRT)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -Iruntime $< -o $@ $(ALL_LDFLAGS) $(LIBRT) $(YAML_LIBS) $(CMOCKA_LIBS) -lm

$(CC_TESTS): $(BUILD)/tests/%: tests/unit/%.c $(LIBCC)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -Icompiler $< -o $@ $(ALL_LDFLAGS) $(LIBCC) $(LUA_LIBS) $(CMOCKA_LIBS) -lm

# ---- tests -------------------------------------------------------------------------
# unit (CMocka), the broken-model suite, and end-to-end runs of generated simulators.
test check: all $(RT_TESTS) $(CC_TESTS) $(BENCH_TESTS)
	$(Q)BUILD=$(BUILD) $(if $(TEST_JOBS),TEST_JOBS=$(TEST_JOBS)) tests/run.sh

# The GPU suite (tests/gpu, docs/cuda.md): every case built with both back ends, the CUDA
# simulator run on the GPU and compared with the C one.  Skips without a GPU.
test-gpu: all
	$(Q)if ! nvidia-smi -L >/dev/null 2>&1; then \
	    echo "SKIP: no GPU (nvidia-smi fails); make test-gpu needs an NVIDIA GPU and its driver"; \
	else tests/gpu/build.sh $(BUILD)/gpu && tests/gpu/expect.sh $(BUILD)/gpu && \
	    tests/gpu/run.sh $(BUILD)/gpu; fi

unit: all $(RT_TESTS) $(CC_TESTS) $(BENCH_TESTS)
	$(Q)BUILD=$(BUILD) tests/run.sh unit

asan:
	$(MAKE) SANITIZE=address,undefined BUILD=build/asan test

ubsan:
	$(MAKE) SANITIZE=undefined BUILD=build/ubsan test

# ---- demo and bench ----------------------------------------------------------------
demo: all
	$(Q)BUILD=$(BUILD) tools/demo.sh

bench: all
	$(Q)BUILD=$(BUILD) bench/run.sh

# ranks and threads: strong scaling of hpc_benchmark, spike exchange volume (bench/scaling.sh)
bench-scaling: all
	$(Q)BUILD=$(BUILD) bench/scaling.sh

# snncc against Brian2 (python3-brian) on COBA and hpc_benchmark, side by side
bench-peers: all
	$(Q)BUILD=$(BUILD) bench/peers.sh

# e-prop on Fashion-MNIST through the training loop (bench/eprop_fmnist.sh; N examples, E epochs)
bench-eprop: all
	$(Q)BUILD=$(BUILD) N=$(or $(N),1000) E=$(or $(E),1) bench/eprop_fmnist.sh

# the same e-prop run against the PyTorch peer (BPTT, python3-torch), alternated (bench/eprop_peer.sh)
bench-eprop-peer: all
	$(Q)BUILD=$(BUILD) N=$(or $(N),1000) E=$(or $(E),1) bench/eprop_peer.sh

# e-prop dense against sparse (P=0.1): instructions, wall time, accuracy (bench/eprop_sparse.sh)
bench-eprop-sparse: all
	$(Q)BUILD=$(BUILD) N=$(or $(N),1000) E=$(or $(E),1) bench/eprop_sparse.sh

# per-synapse dynamics throughput against a STREAM-like triad (bench/dynamics_bw.sh)
bench-dynamics: all
	$(Q)BUILD=$(BUILD) bench/dynamics_bw.sh

# the microcircuit's delivery against the memory-bandwidth floor (bench/microcircuit_floor.sh)
bench-mc-floor: all
	$(Q)BUILD=$(BUILD) bench/microcircuit_floor.sh

# checkpoint write and restore of the microcircuit against one sequential write / read of
# the same bytes (bench/checkpoint_io.sh; N_SCALE, TIME, ROUNDS, CKPT_DIR)
bench-ckpt: all
	$(Q)BUILD=$(BUILD) bench/checkpoint_io.sh

# before/after in one sitting: two git revisions built in worktrees, the suite's cells run
# in alternation, B/A per cell with the Mann-Whitney verdict (snnbench ab, docs/benchmarking.md)
#   make bench-ab A=REV [B=REV (default HEAD)] [AB_SUITE=FILE] [AB_FLAGS='--pairs 10 --fail-above 1.03']
AB_SUITE ?= bench/suites/tiny.yaml
bench-ab: $(SNNBENCH)
	$(Q)if [ -z "$(A)" ]; then echo "usage: make bench-ab A=REV [B=REV] [AB_SUITE=FILE] [AB_FLAGS=...]"; exit 2; fi
	$(Q)$(SNNBENCH) ab '$(A)' '$(or $(B),HEAD)' '$(AB_SUITE)' $(AB_FLAGS)

# ---- install -----------------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/snncc
	install -m 755 $(SNNCC) $(DESTDIR)$(PREFIX)/bin/snncc
	install -m 755 $(SNNBENCH) $(DESTDIR)$(PREFIX)/bin/snnbench
	$(if $(SYNTHSHD),install -m 755 $(SYNTHSHD) $(DESTDIR)$(PREFIX)/bin/snncc-synthshd)
	install -d $(DESTDIR)$(PREFIX)/share/snncc/peers
	install -m 644 bench/peers/*.py $(DESTDIR)$(PREFIX)/share/snncc/peers/
	install -m 644 $(LIBRT) $(DESTDIR)$(PREFIX)/lib/libsnnrt.a
	$(if $(LIBRT_MPI),install -m 644 $(LIBRT_MPI) $(DESTDIR)$(PREFIX)/lib/libsnnrt_mpi.a)
	$(if $(LIBRT_CUDA),install -m 644 $(LIBRT_CUDA) $(DESTDIR)$(PREFIX)/lib/libsnnrt_cuda.a)
	install -m 644 $(HEADERS) $(DESTDIR)$(PREFIX)/include/snncc/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/snncc $(DESTDIR)$(PREFIX)/bin/snnbench $(DESTDIR)$(PREFIX)/lib/libsnnrt.a \
	      $(DESTDIR)$(PREFIX)/bin/snncc-synthshd \
	      $(DESTDIR)$(PREFIX)/lib/libsnnrt_mpi.a $(DESTDIR)$(PREFIX)/lib/libsnnrt_cuda.a
	rm -rf $(DESTDIR)$(PREFIX)/include/snncc $(DESTDIR)$(PREFIX)/share/snncc

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
