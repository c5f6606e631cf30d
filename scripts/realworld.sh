#!/usr/bin/env bash
# scripts/realworld.sh — fetch and build the real-world test programs for hotlink.
#
# Fetches the Debian 12 source packages of Lua 5.4 and SQLite 3 (with
# `apt-get source`; no third-party source is ever committed), then, for every
# variant  {lua,sqlite} x {pic,pie,nopic} x {O0,O2}  (all with -g), builds
#   build/realworld/<lua|sqlite>-<model>-<opt>/*.o          objects for hotlink
#   build/realworld/<lua|sqlite>-<model>-<opt>/{lua,sqlite3} reference native exe
# plus build/realworld/manifest.json describing them (read by the tests and
# the bench).  Idempotent: sources are fetched once, and the build is driven by
# a generated Makefile, so a second run does nothing.
#
# Code models:  pic   = -fPIC     (native link: gcc default, PIE)
#               pie   = (nothing, Debian gcc defaults to -fPIE; native PIE)
#               nopic = -fno-pic  (native link: -no-pie)
#
# Environment:
#   HOTLINK_REALWORLD_DIR  output directory (default: <repo>/build/realworld)
#   JOBS                   parallel compile jobs (default: nproc)
#   CC                     compiler (default: gcc)
#
# Exit status: 0 ok; 77 = sources cannot be fetched on this machine (no
# apt-get / not root / no Debian mirror) — the tests treat that as "skip"
# outside CI; anything else = real failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${HOTLINK_REALWORLD_DIR:-$ROOT/build/realworld}
SRC=$OUT/src
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
CC=${CC:-gcc}
T0=$(date +%s.%N)

LOG_TAG=realworld
# shellcheck source=lib/debsrc.sh
. "$ROOT/scripts/lib/debsrc.sh"

# ---------------------------------------------------------------------------
# 1. Tools
# ---------------------------------------------------------------------------
need_pkgs=()
command -v "$CC" >/dev/null || need_pkgs+=(gcc)
command -v make >/dev/null || need_pkgs+=(make)
if [ ! -f "$SRC/.fetched" ]; then
  command -v dpkg-source >/dev/null || need_pkgs+=(dpkg-dev)
  command -v xz >/dev/null || need_pkgs+=(xz-utils)
fi
if [ ! -f "$SRC/sqlite-amalgamation/.done" ]; then
  # /usr/bin/tclsh is in package "tcl" (tclsh8.6 in "tcl8.6"); sqlite's
  # configure accepts either.
  command -v tclsh >/dev/null || command -v tclsh8.6 >/dev/null || need_pkgs+=(tcl)
fi
install_pkgs ${need_pkgs[@]+"${need_pkgs[@]}"}

# ---------------------------------------------------------------------------
# 2. Sources (once)
# ---------------------------------------------------------------------------
fetch_sources lua5.4:lua sqlite3:sqlite

# Lua: the Debian patch to luaconf.h includes a header that debian/rules generates.
MULTIARCH=$($CC -print-multiarch 2>/dev/null || true)
[ -n "$MULTIARCH" ] || MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
if grep -q 'lua5.4-deb-multiarch.h' "$SRC/lua/src/luaconf.h" && [ ! -f "$SRC/lua/src/lua5.4-deb-multiarch.h" ]; then
  printf '#ifndef _LUA_DEB_MULTIARCH_\n#define _LUA_DEB_MULTIARCH_\n#define DEB_HOST_MULTIARCH "%s"\n#endif\n' \
    "$MULTIARCH" > "$SRC/lua/src/lua5.4-deb-multiarch.h"
fi

# SQLite: the Debian source is the canonical tree, not the amalgamation; generate it.
AMALG=$SRC/sqlite-amalgamation
if [ ! -f "$AMALG/.done" ]; then
  log "generating sqlite3.c + shell.c (configure && make sqlite3.c shell.c)"
  rm -rf "$SRC/sqlite-bld" "$AMALG"
  mkdir -p "$SRC/sqlite-bld" "$AMALG"
  (
    cd "$SRC/sqlite-bld"
    "$SRC/sqlite/configure" --disable-tcl --disable-readline --disable-editline \
      --enable-fts5 --enable-json > "$SRC/sqlite-configure.log" 2>&1 \
      || { tail -n 30 "$SRC/sqlite-configure.log" >&2; exit 1; }
    make -j"$JOBS" sqlite3.c shell.c > "$SRC/sqlite-make.log" 2>&1 || { tail -n 30 "$SRC/sqlite-make.log" >&2; exit 1; }
  ) || die "sqlite amalgamation generation failed (see $SRC/sqlite-bld)"
  cp "$SRC/sqlite-bld/sqlite3.c" "$SRC/sqlite-bld/shell.c" "$SRC/sqlite-bld/sqlite3.h" \
     "$SRC/sqlite-bld/sqlite3ext.h" "$AMALG/"
  rm -rf "$SRC/sqlite-bld"
  touch "$AMALG/.done"
fi

# ---------------------------------------------------------------------------
# 3. Variants (generated Makefile; make does the incremental/parallel work)
# ---------------------------------------------------------------------------
LUA_SRCS=()
for f in "$SRC"/lua/src/*.c; do
  case $(basename "$f") in luac.c|onelua.c) continue ;; esac
  LUA_SRCS+=("$(basename "$f" .c)")
done
[ ${#LUA_SRCS[@]} -gt 20 ] || die "unexpected Lua tree: ${#LUA_SRCS[@]} sources in $SRC/lua/src"
SQLITE_SRCS=(sqlite3 shell)

# Lua: upstream src/Makefile, target linux(-noreadline): CC="gcc -std=gnu99",
# CFLAGS="-Wall -Wextra -DLUA_COMPAT_5_3 -DLUA_USE_LINUX", LIBS="-lm -Wl,-E -ldl".
LUA_CFLAGS="-std=gnu99 -Wall -Wextra -DLUA_COMPAT_5_3 -DLUA_USE_LINUX"
LUA_LIBS="-Wl,-E -lm -ldl"
LUA_HOTLINK_LIBS="m dl"

# SQLite: debian/rules CFLAGS + what its configure adds (threadsafe, FTS4/5,
# math functions, HAVE_* probes) + the Makefile's SHELL_OPT, minus everything
# needing extra libraries (readline/editline, zlib, ICU, Tcl).
# HAVE_MALLOC_USABLE_SIZE is left out as in Debian's 10-665363 patch.
SQLITE_CFLAGS="-fno-strict-aliasing -DNDEBUG -DSQLITE_OS_UNIX=1 -D_REENTRANT=1 \
 -DSQLITE_SECURE_DELETE -DSQLITE_ENABLE_COLUMN_METADATA \
 -DSQLITE_ENABLE_FTS3 -DSQLITE_ENABLE_FTS3_PARENTHESIS \
 -DSQLITE_ENABLE_RTREE=1 -DSQLITE_SOUNDEX=1 -DSQLITE_ENABLE_UNLOCK_NOTIFY \
 -DSQLITE_OMIT_LOOKASIDE=1 -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_ALLOW_ROWID_IN_VIEW \
 -DSQLITE_ENABLE_UPDATE_DELETE_LIMIT=1 -DSQLITE_ENABLE_LOAD_EXTENSION \
 -DSQLITE_ENABLE_JSON1 -DSQLITE_LIKE_DOESNT_MATCH_BLOBS -DSQLITE_THREADSAFE=1 \
 -DSQLITE_ENABLE_FTS3_TOKENIZER=1 -DSQLITE_USE_URI=1 -DSQLITE_MAX_SCHEMA_RETRY=25 \
 -DSQLITE_ENABLE_PREUPDATE_HOOK -DSQLITE_ENABLE_SESSION -DSQLITE_ENABLE_STMTVTAB \
 -DSQLITE_MAX_VARIABLE_NUMBER=250000 \
 -DSQLITE_ENABLE_FTS4 -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_MATH_FUNCTIONS \
 -DSQLITE_ENABLE_EXPLAIN_COMMENTS -DSQLITE_ENABLE_UNKNOWN_SQL_FUNCTION \
 -DSQLITE_ENABLE_DBPAGE_VTAB -DSQLITE_ENABLE_BYTECODE_VTAB -DSQLITE_ENABLE_OFFSET_SQL_FUNC \
 -DHAVE_READLINE=0 -DHAVE_EDITLINE=0 \
 -DHAVE_USLEEP=1 -DHAVE_FDATASYNC=1 -DHAVE_LOCALTIME_R=1 -DHAVE_GMTIME_R=1 \
 -DHAVE_STRCHRNUL=1 -DHAVE_ISNAN=1 -DHAVE_MALLOC_H=1 -DHAVE_UTIME=1 \
 -DHAVE_PREAD=1 -DHAVE_PWRITE=1 -DHAVE_PREAD64=1 -DHAVE_PWRITE64=1 \
 -DHAVE_STDINT_H=1 -DHAVE_INTTYPES_H=1"
SQLITE_CFLAGS=$(echo $SQLITE_CFLAGS) # squeeze the continuation-line whitespace
SQLITE_LIBS="-lm -ldl -lpthread"
SQLITE_HOTLINK_LIBS="m dl pthread"

MODELS=(pic pie nopic)
OPTS=(O0 O2)
model_cflags() { case $1 in pic) echo "-fPIC" ;; pie) echo "" ;; nopic) echo "-fno-pic" ;; esac; }
model_ldflags() { case $1 in nopic) echo "-no-pie" ;; *) echo "" ;; esac; }

mkdir -p "$OUT"
MK=$OUT/Makefile
# Per-variant flags stamp: objects depend on it (not on the Makefile), so only a
# change of a variant's compile/link command rebuilds that variant.
stamp() { # stamp <dir> <compile cmd> <link cmd>
  local dir=$OUT/$1 tmp
  mkdir -p "$dir"
  tmp=$(mktemp)
  printf '%s\n%s\n' "$2" "$3" > "$tmp"
  if cmp -s "$tmp" "$dir/.flags"; then rm -f "$tmp"; else mv "$tmp" "$dir/.flags"; fi
}
tmpmk=$(mktemp)
{
  echo "# Generated by scripts/realworld.sh — do not edit."
  echo "CC := $CC"
  echo "LUA_SRC := $SRC/lua/src"
  echo "SQLITE_SRC := $AMALG"
  echo ".DELETE_ON_ERROR:"
  echo "all:"
  for model in "${MODELS[@]}"; do
    for opt in "${OPTS[@]}"; do
      mc=$(model_cflags "$model"); ml=$(model_ldflags "$model")
      # Lua
      d=lua-$model-$opt; objs=""
      cflags="-c -g -$opt $mc $LUA_CFLAGS"; ldflags="-g $ml ... $LUA_LIBS"
      stamp "$d" "$CC $cflags" "$CC $ldflags"
      for s in "${LUA_SRCS[@]}"; do
        objs+=" $d/$s.o"
        echo "$d/$s.o: \$(LUA_SRC)/$s.c $d/.flags"
        echo "	\$(CC) $cflags -o \$@ \$<"
      done
      echo "$d/lua:$objs $d/.flags"
      echo "	\$(CC) -g $ml -o \$@ $objs $LUA_LIBS"
      echo "all: $d/lua"
      # SQLite
      d=sqlite-$model-$opt; objs=""
      cflags="-c -g -$opt $mc $SQLITE_CFLAGS -I$AMALG"; ldflags="-g $ml ... $SQLITE_LIBS"
      stamp "$d" "$CC $cflags" "$CC $ldflags"
      for s in "${SQLITE_SRCS[@]}"; do
        objs+=" $d/$s.o"
        echo "$d/$s.o: \$(SQLITE_SRC)/$s.c $d/.flags"
        echo "	\$(CC) $cflags -o \$@ \$<"
      done
      echo "$d/sqlite3:$objs $d/.flags"
      echo "	\$(CC) -g $ml -o \$@ $objs $SQLITE_LIBS"
      echo "all: $d/sqlite3"
    done
  done
  echo ".PHONY: all"
} > "$tmpmk"
if cmp -s "$tmpmk" "$MK"; then rm -f "$tmpmk"; else mv "$tmpmk" "$MK"; fi

# Schedule the slow sqlite3.c compiles first (make -j processes goals in order).
goals=()
for opt in O2 O0; do for model in "${MODELS[@]}"; do goals+=("sqlite-$model-$opt/sqlite3.o"); done; done
goals+=(all)
nbuilt=$(make -C "$OUT" -n "${goals[@]}" 2>/dev/null | grep -c -- ' -o ' || true)
if [ "$nbuilt" -gt 0 ]; then log "building $nbuilt targets with -j$JOBS (sqlite3.c at -O2 takes a while)"; fi
make -C "$OUT" -s -j"$JOBS" "${goals[@]}" >&2 || die "build failed"

# Smoke-test the native binaries (cheap; catches a broken toolchain early).
for model in "${MODELS[@]}"; do
  for opt in "${OPTS[@]}"; do
    out=$("$OUT/lua-$model-$opt/lua" -e 'io.write(_VERSION)') || die "lua-$model-$opt/lua does not run"
    [ "$out" = "Lua 5.4" ] || die "lua-$model-$opt/lua printed '$out'"
    out=$(echo 'select 6*7;' | "$OUT/sqlite-$model-$opt/sqlite3") || die "sqlite-$model-$opt/sqlite3 does not run"
    [ "$out" = 42 ] || die "sqlite-$model-$opt/sqlite3 printed '$out'"
  done
done

# ---------------------------------------------------------------------------
# 4. Manifest
# ---------------------------------------------------------------------------
json_list() { local sep="" x; printf '['; for x in "$@"; do printf '%s"%s"' "$sep" "$x"; sep=", "; done; printf ']'; }
tmpjs=$(mktemp)
{
  echo "{"
  echo "  \"root\": \"$OUT\","
  echo "  \"lua_version\": \"$(basename "$(readlink -f "$SRC/lua")")\","
  echo "  \"sqlite_version\": \"$(basename "$(readlink -f "$SRC/sqlite")")\","
  echo "  \"variants\": ["
  sep=""
  for proj in lua sqlite; do
    for model in "${MODELS[@]}"; do
      for opt in "${OPTS[@]}"; do
        d=$OUT/$proj-$model-$opt
        if [ $proj = lua ]; then srcs=("${LUA_SRCS[@]}"); exe=lua; libs=($LUA_HOTLINK_LIBS); cf=$LUA_CFLAGS;
        else srcs=("${SQLITE_SRCS[@]}"); exe=sqlite3; libs=($SQLITE_HOTLINK_LIBS); cf=$SQLITE_CFLAGS; fi
        objs=(); for s in "${srcs[@]}"; do objs+=("$d/$s.o"); done
        printf '%s    {"name": "%s", "project": "%s", "model": "%s", "opt": "%s", "dir": "%s",\n' \
          "$sep" "$proj-$model-$opt" "$proj" "$model" "$opt" "$d"
        printf '     "native": "%s", "libs": %s, "model_cflags": "%s",\n' "$d/$exe" "$(json_list "${libs[@]}")" "$(model_cflags "$model")"
        printf '     "objects": %s}' "$(json_list "${objs[@]}")"
        sep=$',\n'
      done
    done
  done
  echo ""
  echo "  ]"
  echo "}"
} > "$tmpjs"
if cmp -s "$tmpjs" "$OUT/manifest.json"; then rm -f "$tmpjs"; else mv "$tmpjs" "$OUT/manifest.json"; fi

T1=$(date +%s.%N)
size=$(du -sh "$OUT" 2>/dev/null | cut -f1)
printf 'realworld: 12 variants ready in %s (lua %s + sqlite %s; %d .o per lua, 2 per sqlite; %s targets rebuilt; %.1fs; %s on disk)\n' \
  "${OUT#"$ROOT"/}" "$(basename "$(readlink -f "$SRC/lua")")" "$(basename "$(readlink -f "$SRC/sqlite")")" \
  "${#LUA_SRCS[@]}" "$nbuilt" "$(awk "BEGIN{print $T1-$T0}")" "$size"
