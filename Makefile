# dclab build. `make run` and `make test` do all the set-up (see README.md).
#
# Layout of the outputs: $(BUILD)/libdccore.a (core/), $(BUILD)/lib/dclab/core.so (the Lua
# module dclab.core), $(BUILD)/tests/* (C tests) and ./dclab (the launcher, linked into the
# default build only). Source lists are globbed, so a new file needs no Makefile edit.

BUILD    ?= build
PREFIX   ?= /usr/local
SANITIZE ?=

DEB_PACKAGES = lua5.4 liblua5.4-dev libopenblas-dev libfaiss-dev libturbojpeg0-dev \
               libjpeg62-turbo-dev zlib1g-dev libreadline-dev lua-busted lua-argparse lua-cjson \
               dataset-fashion-mnist gnuplot-nox pkg-config python3-numpy libdnnl-dev
# Only make fuzz, tsan and memcheck need these: a fresh machine's `make test` skips them.
TOOL_PACKAGES = clang libclang-rt-14-dev libomp-14-dev valgrind
BENCH_PACKAGES = python3-torch python3-torchvision python3-faiss python3-sklearn \
                 python3-pil hyperfine python-matplotlib-data

CC      ?= gcc
CXX     ?= g++
VERSION := 0.1.0
LUA_INC := $(shell pkg-config --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
JPEG_VERSION := $(shell pkg-config --modversion libturbojpeg 2>/dev/null)
FAISS_VERSION := $(shell awk '/define FAISS_VERSION_(MAJOR|MINOR|PATCH)/{v=v (v?".":"") $$3} END{print v}' /usr/include/faiss/Index.h 2>/dev/null)

WARN     := -Wall -Wextra
# One build serves every CPU the project lands on (AMD EPYC with AVX2, Intel Xeon Sapphire
# Rapids with AVX-512 and AMX), so nothing is compiled for the build machine (-march=native
# would put AVX-512 into every loop on a Xeon and the binary would die on an EPYC). The
# baseline is x86-64-v3 (AVX2, FMA, BMI1/2, F16C, MOVBE): both families have it, the
# compiler's auto-vectorised loops (Winograd transforms, elementwise ops, im2col) keep their
# 256-bit bodies, and the resampler's AVX2 pass stays. x86-64-v2 would halve every vector
# loop on both families for CPUs (pre-2013) the project never runs on. The module refuses to
# load on a CPU below the baseline, with a message (core/cpu.c, compiled for plain x86-64, as
# is the launcher, says so before any v3 instruction runs). Wider kernels (AVX-512, AMX,
# bf16) come from oneDNN, which picks its own at run time, as OpenBLAS does: neither
# library is affected by these flags.
ARCH     := -march=x86-64-v3 -mtune=generic
BASE_ARCH:= -march=x86-64
OPT      = -O3 $(ARCH) -g
CPPFLAGS := -Icore $(LUA_INC) -DDC_VERSION='"$(VERSION)"' -DDC_JPEG_VERSION='"$(JPEG_VERSION)"' \
            -DDC_FAISS_VERSION='"$(FAISS_VERSION)"'
CFLAGS   = -std=c11 -D_DEFAULT_SOURCE $(OPT) $(WARN) -fPIC -fopenmp $(SANITIZE)
CXXFLAGS = -std=c++17 $(OPT) $(WARN) -fPIC -fopenmp $(SANITIZE)
# FAISS: Debian ships only the static libfaiss.a. Its objects are position-independent, so
# they link into the shared Lua module as well as into the test programs. They need BLAS and
# LAPACK (sgemm_, ssyrk_, dsyev_, ...: OpenBLAS provides both), the GNU OpenMP runtime
# (GOMP_*: -fopenmp) and libstdc++ (named here, so the C driver links and the C tests stay
# compiled as C). --exclude-libs keeps FAISS's symbols out of the module's dynamic table.
FAISS_LIBS := -lfaiss -lstdc++
LDLIBS   := $(FAISS_LIBS) -ldnnl -lopenblas -lturbojpeg -ljpeg -lz -lm -lpthread
LDFLAGS  := -fopenmp $(SANITIZE)
# core/cluster/faiss_layout.ld pins where FAISS's hot search loops land (see the file).
FAISS_LAYOUT := core/cluster/faiss_layout.ld
MODULE_LDFLAGS := -Wl,--exclude-libs,libfaiss.a -Wl,-T,$(FAISS_LAYOUT)

CORE_C    := $(sort $(shell find core -name '*.c'))
CORE_CXX  := $(sort $(shell find core -name '*.cpp'))
CORE_OBJ  := $(CORE_C:%.c=$(BUILD)/%.o) $(CORE_CXX:%.cpp=$(BUILD)/%.o)
LAUNCH_C  := bindings/dclab_main.c $(sort $(wildcard bindings/launcher_*.c))
LAUNCH_OBJ:= $(LAUNCH_C:%.c=$(BUILD)/%.o)
BIND_C    := $(sort $(filter-out $(LAUNCH_C),$(wildcard bindings/*.c)))
BIND_OBJ  := $(BIND_C:%.c=$(BUILD)/%.o)
TEST_C    := $(sort $(wildcard tests/c/test_*.c))
TEST_BIN  := $(TEST_C:tests/c/%.c=$(BUILD)/tests/%)

CORE_LIB := $(BUILD)/libdccore.a
MODULE   := $(BUILD)/lib/dclab/core.so
LAUNCHER := $(BUILD)/dclab
# Where a stock lua5.4 looks under PREFIX (see `lua5.4 -e 'print(package.path, package.cpath)'`).
LUA_LDIR := $(PREFIX)/share/lua/5.4
LUA_CDIR := $(PREFIX)/lib/lua/5.4

.PHONY: all deps tool-deps bench-deps run test check fuzz fuzz-bin tsan memcheck install uninstall clean \
        tests-bin bench
.DEFAULT_GOAL := all

all: $(MODULE) $(LAUNCHER) dclab tests-bin

# Installs the Debian packages of a list that are missing; a no-op when all are present.
define install_missing
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "make $@: installing $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
endef

deps:
	$(call install_missing,$(DEB_PACKAGES))

tool-deps: deps
	$(call install_missing,$(TOOL_PACKAGES))

bench-deps: deps
	$(call install_missing,$(BENCH_PACKAGES))

# What runs before the CPU check (the launcher, the module's entry, the probe itself).
BASELINE_OBJ := $(BUILD)/core/cpu.o $(BUILD)/bindings/l_init.o $(LAUNCH_OBJ)
$(BASELINE_OBJ): ARCH := $(BASE_ARCH)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -MMD -MP -c $< -o $@

$(CORE_LIB): $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

# -z nodelete: lua_close dlcloses C modules, which would unmap code under OpenMP's idle
# worker threads and crash the process at exit.
$(MODULE): $(BIND_OBJ) $(CORE_LIB) $(FAISS_LAYOUT)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-z,nodelete $(LDFLAGS) $(MODULE_LDFLAGS) -o $@ $(BIND_OBJ) $(CORE_LIB) $(LDLIBS)

# Only the launcher links readline (launcher_readline.c): the module must load into a stock
# lua5.4 without it.
$(LAUNCHER): $(LAUNCH_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ -llua5.4 -lreadline -lm -ldl

# The launcher at the top of the tree, as the README runs it.
dclab: $(LAUNCHER)
	ln -sf $(LAUNCHER) dclab

$(BUILD)/tests/%: tests/c/%.c $(CORE_LIB) tests/c/tiny_test.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/c -o $@ $< $(CORE_LIB) $(LDFLAGS) $(LDLIBS)

tests-bin: $(TEST_BIN)

# The fuzz harnesses, linked together into one test that replays their seed and regression
# corpora (tests/fuzz/corpus/, tests/fuzz/regressions/) in plain and sanitizer builds.
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/*.c))
FUZZ_NAMES := $(FUZZ_SRC:tests/fuzz/%.c=%)

$(BUILD)/tests/test_fuzz_regressions: tests/c/test_fuzz_regressions.c $(FUZZ_SRC) \
                                      tests/fuzz/fuzz.h $(CORE_LIB) tests/c/tiny_test.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/c -Itests/fuzz -o $@ $< $(FUZZ_SRC) $(CORE_LIB) \
	  $(LDFLAGS) $(LDLIBS)

# The main job (the paper's recipe), then the search's recipe at its few-minute size, which
# scores the main job's network beside its own by one protocol.
run: deps all
	./dclab experiments/fashion_mnist.lua
	./dclab experiments/fashion_mnist_recipe.lua --quick --faithful-from runs/fashion_mnist

test: deps
	@$(MAKE) --no-print-directory all >$(BUILD).log 2>&1 || { cat $(BUILD).log; exit 1; }
	@lua5.4 tests/run.lua --build $(BUILD)

# The same suites under AddressSanitizer and UndefinedBehaviorSanitizer. Stock lua5.4 loads
# the instrumented module, so the sanitizer runtimes are preloaded into it. The launcher is
# instrumented too: tests/lua/launcher_spec.lua runs $(BUILD)/dclab.
check: deps
	@$(MAKE) --no-print-directory BUILD=build-asan SANITIZE='-fsanitize=address,undefined -fno-omit-frame-pointer' \
	  $(MODULE:$(BUILD)/%=build-asan/%) $(LAUNCHER:$(BUILD)/%=build-asan/%) tests-bin \
	  >build-asan.log 2>&1 || { cat build-asan.log; exit 1; }
	@ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  DC_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" \
	  lua5.4 tests/run.lua --build build-asan

# Fuzzing with libFuzzer (clang), every harness FUZZ_SECONDS seconds under ASan + UBSan, one
# after the other. The engine is rebuilt with clang and coverage instrumentation in
# build-fuzz/. Inputs found go to build-fuzz/corpus/<harness>/, crashes to
# build-fuzz/artifacts/<harness>-*: copy a crash into tests/fuzz/regressions/<harness>/ once
# fixed, and `make test` replays it from then on. -malloc_limit_mb: inputs are at most a few
# KiB and the readers check sizes against the file before allocating (the JPEG harness skips
# pictures above 4 Mpx), so an allocation beyond 512 MiB is a bug.
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_BUILD := build-fuzz

fuzz: tool-deps
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang CXX=clang++ OPT='-O1 -g' \
	  SANITIZE='$(FUZZ_SAN) -fsanitize=fuzzer-no-link' fuzz-bin >$(FUZZ_BUILD).log 2>&1 \
	  || { cat $(FUZZ_BUILD).log; exit 1; }
	@export DC_FUZZ_TMP=$$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d); \
	failed=; for h in $(FUZZ_NAMES); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$h $(FUZZ_BUILD)/artifacts; \
	  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(FUZZ_BUILD)/fuzz/$$h \
	    -max_total_time=$(FUZZ_SECONDS) -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=512 \
	    -use_value_profile=1 -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$h- \
	    $(FUZZ_BUILD)/corpus/$$h tests/fuzz/corpus/$$h \
	    $$(ls -d tests/fuzz/regressions/$$h 2>/dev/null) \
	    >$(FUZZ_BUILD)/$$h.log 2>&1 || failed="$$failed $$h"; \
	  awk -v h=$$h '/^stat::number_of_executed_units/{n=$$2} /^stat::new_units_added/{u=$$2} \
	    /cov: /{c=$$0} END{sub(/.*cov: /,"cov: ",c); sub(/ ft:.*/,"",c); \
	    printf "fuzz %-8s %9d runs, %4d new inputs, %s\n", h, n, u, c}' $(FUZZ_BUILD)/$$h.log; \
	done; \
	rm -rf $$DC_FUZZ_TMP; \
	if [ -n "$$failed" ]; then \
	  for h in $$failed; do echo "== $$h"; \
	    grep -B2 -A30 -m1 -E 'ERROR|runtime error|promise broken' $(FUZZ_BUILD)/$$h.log; done; \
	  echo "make fuzz: failures in$$failed (logs: $(FUZZ_BUILD)/<harness>.log," \
	    "inputs: $(FUZZ_BUILD)/artifacts/)"; \
	  exit 1; \
	fi

fuzz-bin: $(FUZZ_NAMES:%=$(BUILD)/fuzz/%)

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/fuzz -fsanitize=fuzzer -DDC_LIBFUZZER -o $@ $< \
	  $(CORE_LIB) $(LDFLAGS) $(LDLIBS)

# ThreadSanitizer over the threaded loader and the OpenMP kernels: the C tests of both, then
# tests/memcheck/tiny_run.lua at a size where every layer of its network crosses its parallel
# threshold (conv2d, winograd, batchnorm, pooling, relu, dropout, sobel, sgd, fills) and the
# loader runs two threads over tensors and JPEG files. libgomp is not instrumented, so TSan
# cannot see its barriers and reports the code after a parallel loop as racing with the loop
# (a suppression would have to name our own functions, hiding real races with them); this
# build therefore uses clang's libomp with its TSan tool, Archer
# (OMP_TOOL_LIBRARIES=libarcher.so), which tells TSan about OpenMP's synchronisation: no
# suppression is needed. FAISS (a static library built with gcc) runs on libomp's GOMP entry
# points. OpenBLAS is the pthread build and is not instrumented: its own threads are not
# checked, only our code around it.
TSAN_TESTS := loader parallel elementwise reduce index random sgd relu batchnorm dropout \
              avgpool2d maxpool2d conv2d sobel softmax_xent pca pic kmeans blas
TSAN_BUILD := build-tsan

tsan: tool-deps
	@$(MAKE) --no-print-directory BUILD=$(TSAN_BUILD) CC=clang CXX=clang++ OPT='-O1 -g' \
	  SANITIZE='-fsanitize=thread' $(TSAN_TESTS:%=$(TSAN_BUILD)/tests/test_%) \
	  $(TSAN_BUILD)/lib/dclab/core.so $(TSAN_BUILD)/dclab \
	  >$(TSAN_BUILD).log 2>&1 || { cat $(TSAN_BUILD).log; exit 1; }
	@export TSAN_OPTIONS='halt_on_error=1 second_deadlock_stack=1 ignore_noninstrumented_modules=1' \
	  OMP_TOOL_LIBRARIES=libarcher.so OMP_NUM_THREADS=4 LD_LIBRARY_PATH=/usr/lib/llvm-14/lib; \
	failed=; for t in $(TSAN_TESTS:%=tests/test_%) tiny_run; do \
	  log=$(TSAN_BUILD)/$$(basename $$t).log; \
	  if [ $$t = tiny_run ]; then $(TSAN_BUILD)/dclab tests/memcheck/tiny_run.lua 512 128 16 1024; \
	  else $(TSAN_BUILD)/$$t; fi >$$log 2>&1; rc=$$?; \
	  tail -1 $$log; \
	  if [ $$rc != 0 ] || grep -q 'ThreadSanitizer' $$log; then \
	    failed="$$failed $$t"; grep -A40 -m1 'WARNING: ThreadSanitizer' $$log; fi; \
	done; \
	if [ -n "$$failed" ]; then \
	  echo "make tsan: failures in$$failed (logs: $(TSAN_BUILD)/*.log)"; exit 1; fi; \
	echo "make tsan: $(words $(TSAN_TESTS)) C tests and the tiny run clean under ThreadSanitizer"

# valgrind memcheck over tests/memcheck/tiny_run.lua (a 2-epoch DeepCluster run with resume on
# 100 Fashion-MNIST images, then the same images as JPEGs through the threaded loader): no
# invalid read or write, no use of uninitialised values, no definite leak. Its own build:
# valgrind does not know AVX-512 (oneDNN would JIT it here; under valgrind's cpuid it picks AVX2). No suppression is
# needed: Lua, libgomp and OpenBLAS leave only reachable or "possibly lost" blocks (thread
# stacks), which are not errors here.
MEMCHECK_BUILD := build-memcheck

memcheck: tool-deps
	@$(MAKE) --no-print-directory BUILD=$(MEMCHECK_BUILD) OPT='-O1 -g' \
	  $(MEMCHECK_BUILD)/lib/dclab/core.so $(MEMCHECK_BUILD)/dclab \
	  >$(MEMCHECK_BUILD).log 2>&1 || { cat $(MEMCHECK_BUILD).log; exit 1; }
	@OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 valgrind --tool=memcheck --error-exitcode=99 \
	  --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
	  --track-origins=yes --num-callers=30 \
	  --log-file=$(MEMCHECK_BUILD)/valgrind.log \
	  $(MEMCHECK_BUILD)/dclab tests/memcheck/tiny_run.lua; \
	rc=$$?; grep -E 'ERROR SUMMARY|definitely lost|indirectly lost' $(MEMCHECK_BUILD)/valgrind.log; \
	if [ $$rc != 0 ]; then \
	  echo "make memcheck: failed (exit $$rc), see $(MEMCHECK_BUILD)/valgrind.log"; exit 1; fi

# The tensor benchmark compares dclab with raw cblas_sgemm and memcpy, timed in C by a peer
# module the script loads (so peer and dclab runs alternate in one process).
BENCH_PEER := $(BUILD)/bench/tensor_peer.so

$(BENCH_PEER): experiments/bench/tensor_peer.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -shared -o $@ $< $(LDFLAGS) $(LDLIBS)

# Every benchmark, each against its peer measured in the same run (experiments/bench/).
bench: bench-deps all $(BENCH_PEER)
	./dclab experiments/bench/tensor.lua $(dir $(BENCH_PEER))
	./dclab experiments/bench/nn.lua
	./dclab experiments/bench/epoch.lua
	./dclab experiments/bench/data.lua
	./dclab experiments/bench/cluster.lua

# The launcher finds the library relative to itself (<prefix>/bin/../share/lua/5.4, ...), so
# DESTDIR staging works. The Lua tree is replaced whole: no stale module survives an upgrade.
install: $(MODULE) $(LAUNCHER)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LUA_CDIR)/dclab
	install -m 755 $(LAUNCHER) $(DESTDIR)$(PREFIX)/bin/dclab
	install -m 755 $(MODULE) $(DESTDIR)$(LUA_CDIR)/dclab/core.so
	rm -rf $(DESTDIR)$(LUA_LDIR)/dclab
	cd lua && find dclab \( -name '*.lua' -o -name '*.md' \) -exec install -D -m 644 {} $(DESTDIR)$(LUA_LDIR)/{} \;
	@echo "dclab installed under $(PREFIX). A stock lua5.4 searches /usr/local; for another prefix:"
	@echo "  export LUA_PATH='$(LUA_LDIR)/?.lua;$(LUA_LDIR)/?/init.lua;;'"
	@echo "  export LUA_CPATH='$(LUA_CDIR)/?.so;;'"

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/bin/dclab $(DESTDIR)$(LUA_CDIR)/dclab $(DESTDIR)$(LUA_LDIR)/dclab

clean:
	rm -rf build build-asan build.log build-asan.log dclab $(FUZZ_BUILD) $(FUZZ_BUILD).log \
	  $(TSAN_BUILD) $(TSAN_BUILD).log $(MEMCHECK_BUILD) $(MEMCHECK_BUILD).log

-include $(CORE_OBJ:.o=.d) $(BIND_OBJ:.o=.d) $(LAUNCH_OBJ:.o=.d)
