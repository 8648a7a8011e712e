# authd — see README.md. `make run` starts everything, `make test` passes.
PKGS    := libevent libevent_openssl libevent_pthreads openssl libjwt hiredis liboath jansson \
           libargon2 libqrencode
B       ?= build
CFLAGS  := -std=c11 -D_DEFAULT_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow -Wformat=2 \
           -Wstrict-prototypes -Wmissing-prototypes -Wvla -fstack-protector-strong \
           -MMD -MP -I$(B)/gen $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(EXTRA)
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -pthread
LUA     := $(sort $(wildcard authd/lua/*.lua))
OBJS    := $(patsubst %.c,$(B)/obj/%.o,$(wildcard authd/*.c)) $(B)/obj/gen/lua_gen.o
LIBOBJS := $(filter-out $(B)/obj/authd/main.o,$(OBJS))
TESTS   := $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/test_*.c))
CMOCKA  := $(shell pkg-config --cflags --libs cmocka 2>/dev/null)
TOOLS   := $(patsubst tools/%.c,$(B)/%,$(wildcard tools/*.c))
TOOLOBJ := $(patsubst %.c,$(B)/obj/%.o,$(wildcard tools/lib/*.c))

all: $(B)/authd $(TOOLS)

$(B)/authd: $(OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(B)/libauthd.a: $(LIBOBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

# Lua scripts (SCRIPT LOAD at every Redis handshake) are compiled into the binary.
$(B)/gen/lua_gen.h: $(LUA) tools/lua2c.sh
	tools/lua2c.sh $(B)/gen $(LUA)
$(B)/gen/lua_gen.c: $(B)/gen/lua_gen.h
$(B)/obj/gen/lua_gen.o: $(B)/gen/lua_gen.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<
$(OBJS): | $(B)/gen/lua_gen.h

# The tools (eidctl, eid-app, demo-rp) link their shared code and the daemon's own modules.
$(B)/libtools.a: $(TOOLOBJ)
	@rm -f $@
	$(AR) rcs $@ $^
$(TOOLOBJ): CFLAGS += -Iauthd
$(TOOLOBJ): | $(B)/gen/lua_gen.h
$(TOOLS): $(B)/%: tools/%.c $(B)/libtools.a $(B)/libauthd.a
	$(CC) $(CFLAGS) -Iauthd -Itools/lib -o $@ $< $(B)/libtools.a $(B)/libauthd.a $(LDLIBS)

# The benchmarks' load generator (tests/bench/loadgen.c) borrows the daemon's base64url.
$(B)/bench/loadgen: tests/bench/loadgen.c $(B)/libauthd.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iauthd -o $@ $< $(B)/libauthd.a $(LDLIBS) -lm

# The ceiling for discovery and JWKS in tests/bench/bench.sh: bare evhttp serving a file's bytes.
$(B)/bench/evhttp_floor: tests/bench/evhttp_floor.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

# The long-poll benchmark's generator (tests/bench/lpgen.c): evhttp client, hiredis async and
# the daemon's sec.c (random values, SHA-256, base64url).
$(B)/bench/lpgen: tests/bench/lpgen.c $(B)/libauthd.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iauthd -o $@ $< $(B)/libauthd.a $(LDLIBS) -lm

# Unit tests link the tools' library too (test_rp tests tools/lib/rp.c); unused members of an
# archive are not linked in.
$(B)/tests/%: tests/unit/%.c $(B)/libtools.a $(B)/libauthd.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iauthd -Itools/lib -o $@ $< $(B)/libtools.a $(B)/libauthd.a $(CMOCKA) $(LDLIBS)

# Fuzzing (tests/fuzz/README.md): one libFuzzer harness per untrusted input, built by clang with
# ASan and UBSan in their own directory (the daemon's objects too: flags never mix). `make fuzz`
# runs each for FUZZ_SECONDS on a scratch copy of its corpus; `make fuzz-regress` runs each once
# over its corpus and its kept crashes (tests/fuzz/regress/), without fuzzing; `make fuzz-replay`
# does the same with gcc's ASan and UBSan (the harnesses linked with tests/fuzz/replay.c).
FUZZ_B       := build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_ONLY    ?=
FUZZ_EXTRA   := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
                -fno-sanitize-recover=all
FUZZERS      := $(patsubst tests/fuzz/fuzz_%.c,$(B)/fuzz/fuzz_%,$(wildcard tests/fuzz/fuzz_*.c))

# FUZZ_MAIN: libFuzzer's main, or (any other build) tests/fuzz/replay.c's, which runs files once.
FUZZ_MAIN    ?= $(B)/obj/tests/fuzz/replay.o

$(B)/obj/tests/fuzz/replay.o: CFLAGS += -Itests/fuzz
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(filter %.o,$(FUZZ_MAIN)) $(B)/libauthd.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iauthd -Itests/fuzz -o $@ $< $(FUZZ_MAIN) $(B)/libauthd.a $(LDLIBS)

fuzz-build:
	@$(MAKE) --no-print-directory B=$(FUZZ_B) CC=clang EXTRA="$(FUZZ_EXTRA)" \
	  FUZZ_MAIN=-fsanitize=fuzzer fuzz-bins
fuzz-bins: $(FUZZERS)

fuzz: fuzz-build
	@tests/fuzz/run.sh fuzz $(FUZZ_B) $(FUZZ_SECONDS) $(FUZZ_ONLY)

fuzz-regress: fuzz-build
	@tests/fuzz/run.sh regress $(FUZZ_B) $(FUZZ_ONLY)

# The same inputs once more, the harnesses built by $(CC) (gcc) with ASan and UBSan, no libFuzzer.
fuzz-replay:
	@$(MAKE) --no-print-directory B=build-asan \
	  EXTRA="-O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
	  fuzz-bins
	@tests/fuzz/run.sh regress build-asan $(FUZZ_ONLY)

deps:
	@tools/deps.sh

keys: $(B)/authd
	$(B)/authd keygen -d keys

# Unit tests (cmocka), then the end-to-end suite against a real redis-server and the real binary.
test: deps
	@$(MAKE) --no-print-directory B=$(B) EXTRA="$(EXTRA)" $(B)/authd $(TOOLS) $(TESTS)
	@fail=0; for t in $(TESTS); do $$t || fail=1; done; \
	 tests/e2e/run.sh $(B)/authd || fail=1; exit $$fail

asan:
	@$(MAKE) --no-print-directory B=build-asan \
	  EXTRA="-O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" test
	@$(MAKE) --no-print-directory fuzz-replay

run: deps
	@$(MAKE) --no-print-directory $(B)/authd $(TOOLS)
	@tools/run.sh $(B)

bench: deps
	@$(MAKE) --no-print-directory $(B)/authd $(TOOLS) $(B)/bench/loadgen $(B)/bench/lpgen \
	  $(B)/bench/evhttp_floor
	@tests/bench/bench.sh $(B)
	@tests/bench/login_storm.sh $(B)
	@tests/bench/longpoll.sh $(B)

clean:
	rm -rf build build-asan $(FUZZ_B)

.PHONY: all deps keys test asan run bench fuzz fuzz-build fuzz-bins fuzz-regress fuzz-replay clean
-include $(OBJS:.o=.d) $(TESTS:=.d) $(TOOLS:=.d) $(TOOLOBJ:.o=.d) $(B)/bench/loadgen.d $(B)/bench/lpgen.d \
         $(B)/bench/evhttp_floor.d \
         $(FUZZERS:=.d) $(B)/obj/tests/fuzz/replay.d
