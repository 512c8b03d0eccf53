# dclab build. `make run` and `make test` do all the set-up (see README.md).
#
# Layout of the outputs: $(BUILD)/libdccore.a (core/), $(BUILD)/lib/dclab/core.so (the Lua
# module dclab.core), $(BUILD)/tests/* (C tests) and ./dclab (the launcher, linked into the
# default build only). Source lists are globbed, so a new file needs no Makefile edit.

BUILD    ?= build
PREFIX   ?= /usr/local
SANITIZE ?=

DEB_PACKAGES = lua5.4 liblua5.4-dev libopenblas-dev libfaiss-dev libturbojpeg0-dev zlib1g-dev \
               libreadline-dev lua-busted lua-argparse lua-cjson dataset-fashion-mnist \
               gnuplot-nox pkg-config
BENCH_PACKAGES = python3-numpy python3-torch python3-torchvision python3-faiss python3-sklearn \
                 python3-pil hyperfine python-matplotlib-data

CC      ?= gcc
CXX     ?= g++
VERSION := 0.1.0
LUA_INC := $(shell pkg-config --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
JPEG_VERSION := $(shell pkg-config --modversion libturbojpeg 2>/dev/null)
FAISS_VERSION := $(shell awk '/define FAISS_VERSION_(MAJOR|MINOR|PATCH)/{v=v (v?".":"") $$3} END{print v}' /usr/include/faiss/Index.h 2>/dev/null)

WARN     := -Wall -Wextra
OPT      := -O3 -march=native -g
CPPFLAGS := -Icore $(LUA_INC) -DDC_VERSION='"$(VERSION)"' -DDC_JPEG_VERSION='"$(JPEG_VERSION)"' \
            -DDC_FAISS_VERSION='"$(FAISS_VERSION)"'
CFLAGS   := -std=c11 -D_DEFAULT_SOURCE $(OPT) $(WARN) -fPIC -fopenmp $(SANITIZE)
CXXFLAGS := -std=c++17 $(OPT) $(WARN) -fPIC -fopenmp $(SANITIZE)
# FAISS: Debian ships only the static libfaiss.a. Its objects are position-independent, so
# they link into the shared Lua module as well as into the test programs. They need BLAS and
# LAPACK (sgemm_, ssyrk_, dsyev_, ...: OpenBLAS provides both), the GNU OpenMP runtime
# (GOMP_*: -fopenmp) and libstdc++ (named here, so the C driver links and the C tests stay
# compiled as C). --exclude-libs keeps FAISS's symbols out of the module's dynamic table.
FAISS_LIBS := -lfaiss -lstdc++
LDLIBS   := $(FAISS_LIBS) -lopenblas -lturbojpeg -lz -lm -lpthread
LDFLAGS  := -fopenmp $(SANITIZE)
MODULE_LDFLAGS := -Wl,--exclude-libs,libfaiss.a

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

.PHONY: all deps bench-deps run test check install uninstall clean tests-bin bench
.DEFAULT_GOAL := all

all: $(MODULE) $(LAUNCHER) dclab tests-bin

# Installs the Debian packages the project needs; a no-op when all are present.
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

bench-deps: deps
	@missing=$$(for p in $(BENCH_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

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
$(MODULE): $(BIND_OBJ) $(CORE_LIB)
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

run: deps all
	./dclab experiments/fashion_mnist.lua

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

# The tensor benchmark: dclab against raw cblas_sgemm and memcpy, timed in C by a peer
# module the script loads (so peer and dclab runs alternate in one process).
BENCH_PEER := $(BUILD)/bench/tensor_peer.so

$(BENCH_PEER): experiments/bench/tensor_peer.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -shared -o $@ $< $(LDFLAGS) $(LDLIBS)

bench: bench-deps all $(BENCH_PEER)
	./dclab experiments/bench/tensor.lua $(dir $(BENCH_PEER))

# The launcher finds the library relative to itself (<prefix>/bin/../share/lua/5.4, ...), so
# DESTDIR staging works. The Lua tree is replaced whole: no stale module survives an upgrade.
install: $(MODULE) $(LAUNCHER)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LUA_CDIR)/dclab
	install -m 755 $(LAUNCHER) $(DESTDIR)$(PREFIX)/bin/dclab
	install -m 755 $(MODULE) $(DESTDIR)$(LUA_CDIR)/dclab/core.so
	rm -rf $(DESTDIR)$(LUA_LDIR)/dclab
	cd lua && find dclab -name '*.lua' -exec install -D -m 644 {} $(DESTDIR)$(LUA_LDIR)/{} \;

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/bin/dclab $(DESTDIR)$(LUA_CDIR)/dclab $(DESTDIR)$(LUA_LDIR)/dclab

clean:
	rm -rf build build-asan build.log build-asan.log dclab

-include $(CORE_OBJ:.o=.d) $(BIND_OBJ:.o=.d) $(LAUNCH_OBJ:.o=.d)
