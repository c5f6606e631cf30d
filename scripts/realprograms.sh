#!/usr/bin/env bash
# scripts/realprograms.sh — fetch and build the "real programs" for hotlink:
# small Unix tools whose tests exercise the *process* (stdio of child
# processes, errno, argv[0], signals, getopt's optind, output files).
#
#   bzip2 1.0.8   (Debian source package bzip2)  programs bzip2, bzip2recover
#   mawk 1.3.4    (Debian source package mawk)   program  mawk
#   bc 1.07.1     (Debian source package bc)     programs bc, dc (getopt users)
#
# Sources come from `apt-get source` (never committed). Each project is built
# the way its debian/rules builds it — `dpkg-buildflags` with the package's
# DEB_BUILD_MAINT_OPTIONS / *_MAINT_APPEND, the package's own Makefile or
# configure — in two code models:
#   pie  Debian's flags unchanged (Debian gcc defaults to -fPIE; native link PIE)
#   pic  the same plus -fPIC
# giving build/realprograms/<project>-<model>/ with the objects for hotlink and
# the gcc-linked native executables built from exactly those objects, plus
# build/realprograms/manifest.json (read by test/realprograms.test.ts).
#
# Idempotent: sources are fetched once; a variant is rebuilt only when its
# flags or its build recipe (the build_<project> function below) change.
#
# Environment:
#   HOTLINK_REALPROGRAMS_DIR  output directory (default: <repo>/build/realprograms)
#   JOBS                      parallel compile jobs (default: nproc)
#   CC                        compiler (default: gcc)
#
# Exit status: 0 ok; 77 = sources cannot be fetched on this machine (no
# apt-get / not root / no Debian mirror) — the tests treat that as "skip"
# outside CI; anything else = real failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${HOTLINK_REALPROGRAMS_DIR:-$ROOT/build/realprograms}
SRC=$OUT/src
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
CC=${CC:-gcc}
T0=$(date +%s.%N)

LOG_TAG=realprograms
# shellcheck source=lib/debsrc.sh
. "$ROOT/scripts/lib/debsrc.sh"

PROJECTS=(bzip2 mawk bc)
MODELS=(pie pic)

# ---------------------------------------------------------------------------
# 1. Tools and sources
# ---------------------------------------------------------------------------
need_pkgs=()
command -v "$CC" >/dev/null || need_pkgs+=(gcc)
command -v make >/dev/null || need_pkgs+=(make)
command -v dpkg-buildflags >/dev/null || need_pkgs+=(dpkg-dev)
SOURCES=(bzip2:bzip2 mawk:mawk bc:bc)
unfetched=0; for s in "${SOURCES[@]}"; do [ -e "$SRC/${s#*:}" ] || unfetched=1; done
if [ $unfetched = 1 ]; then
  command -v xz >/dev/null || need_pkgs+=(xz-utils)
  command -v bzip2 >/dev/null || need_pkgs+=(bzip2) # bzip2's debian.tar.bz2
fi
# bc: debian/rules runs dh_autoreconf, and its patches touch bc.y and scan.l
# (Build-Depends: bison, flex, ed — fix-libmath_h is an ed script).
for t in autoreconf:autoconf automake:automake bison:bison flex:flex ed:ed; do
  command -v "${t%%:*}" >/dev/null || need_pkgs+=("${t#*:}")
done
install_pkgs ${need_pkgs[@]+"${need_pkgs[@]}"}

fetch_sources "${SOURCES[@]}"

# ---------------------------------------------------------------------------
# 2. Build recipes. Each runs inside a fresh copy of the source tree with
#    CC CFLAGS CPPFLAGS LDFLAGS set, and writes .programs: one line per
#    program, "<name> <native executable> <libs, comma-separated or -> <objects
#    for hotlink>..." (paths relative to the tree). The native executable is
#    linked from exactly those objects.
# ---------------------------------------------------------------------------

# make_var <dir> <variable>: the value of a variable of <dir>/Makefile.
make_var() {
  printf 'print-var:\n\t@echo $(%s)\n' "$2" | make -s -C "$1" -f Makefile -f - print-var
}
# libs_of <-l flags...>: "m,dl" (or "-" for none)
libs_of() {
  local out=() w
  for w in "$@"; do case $w in -l*) out+=("${w#-l}") ;; esac; done
  if [ ${#out[@]} -eq 0 ]; then echo -; else (IFS=,; echo "${out[*]}"); fi
}

# debian/rules: hardening=+all; CFLAGS += -Wall -Winline; CPPFLAGS +=
# -D_REENTRANT -D_FILE_OFFSET_BITS=64; `make libbz2.a bzip2 bzip2recover`.
# Debian's makefile.diff links bzip2 against the shared libbz2.so built from
# -fPIC copies of the library objects; we link upstream's way instead
# (bzip2.o + libbz2.a), so native and hotlink run the very same objects.
maint_bzip2() {
  echo DEB_BUILD_MAINT_OPTIONS=hardening=+all
  echo "DEB_CFLAGS_MAINT_APPEND=-Wall -Winline"
  echo "DEB_CPPFLAGS_MAINT_APPEND=-D_REENTRANT -D_FILE_OFFSET_BITS=64"
}
build_bzip2() {
  make -j"$JOBS" libbz2.a bzip2.o bzip2recover.o CC="$CC" CFLAGS="$CFLAGS" CPPFLAGS="$CPPFLAGS" LDFLAGS="$LDFLAGS"
  # shellcheck disable=SC2086
  $CC $CFLAGS $CPPFLAGS $LDFLAGS -o bzip2 bzip2.o libbz2.a
  # shellcheck disable=SC2086
  $CC $CFLAGS $CPPFLAGS $LDFLAGS -o bzip2recover bzip2recover.o
  printf '%s\n' "bzip2 bzip2 - bzip2.o libbz2.a" "bzip2recover bzip2recover - bzip2recover.o" > .programs
}
smoke_bzip2() {
  ./bzip2 -1 < sample1.ref | cmp -s - sample1.bz2 && ./bzip2 -d < sample3.bz2 | cmp -s - sample3.ref
}

# debian/rules: hardening=+all; dh_auto_configure (./configure --prefix=/usr);
# `make mawk`. (Debian first regenerates configure with autoreconf-dickey; the
# shipped configure is the same autoconf-dickey output, so we use it as is.)
maint_mawk() {
  echo DEB_BUILD_MAINT_OPTIONS=hardening=+all
}
build_mawk() {
  ./configure --prefix=/usr
  make -j"$JOBS" mawk
  local objs
  objs=$(make_var . OBJS)
  [ -n "$objs" ] || return 1
  # shellcheck disable=SC2046
  printf 'mawk mawk %s %s\n' "$(libs_of $(make_var . LIBS))" "$objs" > .programs
}
smoke_mawk() {
  [ "$(./mawk 'BEGIN { print 6 * 7 }')" = 42 ]
}

# debian/rules: hardening=+all; CFLAGS += -D_POSIX_SOURCE -DDOT_IS_LAST
# -DDONTEXIT; dh_autoreconf; ./configure --prefix=/usr --with-readline; make.
# We configure without readline (it only adds line editing on a terminal, and
# needs libreadline-dev) and build the programs, not the docs.
maint_bc() {
  echo DEB_BUILD_MAINT_OPTIONS=hardening=+all
  echo "DEB_CFLAGS_MAINT_APPEND=-D_POSIX_SOURCE -DDOT_IS_LAST -DDONTEXIT"
}
build_bc() {
  autoreconf -fi
  ./configure --prefix=/usr
  make -j"$JOBS" -C lib
  make -j"$JOBS" -C bc bc
  make -j"$JOBS" -C dc dc
  local p objs w line
  : > .programs
  for p in bc dc; do
    line="$p $p/$p"
    # shellcheck disable=SC2046
    line+=" $(libs_of $(make_var "$p" "${p}_LDADD") $(make_var "$p" LIBS))"
    objs=$(make_var "$p" "${p}_OBJECTS")
    [ -n "$objs" ] || return 1
    for w in $objs $(make_var "$p" "${p}_LDADD"); do
      case $w in *.o) line+=" $p/$w" ;; ../lib/*.a) line+=" ${w#../}" ;; esac
    done
    printf '%s\n' "$line" >> .programs
  done
}
smoke_bc() {
  [ "$(echo '6 * 7' | bc/bc)" = 42 ] && [ "$(dc/dc -e '6 7 * p')" = 42 ]
}

# ---------------------------------------------------------------------------
# 3. Variants
# ---------------------------------------------------------------------------
model_cflags() { case $1 in pic) echo "-fPIC" ;; pie) echo "" ;; esac; }

# flags <project> <dir>: CFLAGS/CPPFLAGS/LDFLAGS as debian/rules would get
# them from dpkg-buildflags (run in <dir>: -ffile-prefix-map names it).
flags() {
  local proj=$1 dir=$2 maint=()
  mapfile -t maint < <("maint_$proj")
  (cd "$dir" && env "${maint[@]}" dpkg-buildflags --export=sh)
}

build_variant() { # build_variant <project> <model>
  local proj=$1 model=$2 d=$OUT/$1-$2 stamp
  mkdir -p "$d"
  # shellcheck disable=SC1090
  eval "$(flags "$proj" "$d")"
  CFLAGS=$(echo $CFLAGS $(model_cflags "$model"))
  stamp=$(printf '%s\n' "CC=$CC" "CFLAGS=$CFLAGS" "CPPFLAGS=$CPPFLAGS" "LDFLAGS=$LDFLAGS" \
            "SRC=$(readlink -f "$SRC/$proj")" "$(declare -f "build_$proj")")
  if [ -f "$d/.done" ] && [ "$(cat "$d/.done")" = "$stamp" ]; then return 0; fi
  log "building $proj-$model"
  local t0=$SECONDS
  rm -rf "$d"; mkdir -p "$d"
  cp -a "$SRC/$proj/." "$d/"
  if ! (cd "$d" && export CC CFLAGS CPPFLAGS LDFLAGS && "build_$proj") > "$d.log" 2>&1; then
    tail -n 30 "$d.log" >&2; die "$proj-$model: build failed (log: $d.log)"
  fi
  (cd "$d" && "smoke_$proj") || die "$proj-$model: the native build does not work (smoke test failed)"
  printf '%s\n' "$stamp" > "$d/.done"
  NBUILT=$((NBUILT + 1))
  log "built $proj-$model in $((SECONDS - t0))s"
}

NBUILT=0
for proj in "${PROJECTS[@]}"; do
  for model in "${MODELS[@]}"; do build_variant "$proj" "$model"; done
done

# ---------------------------------------------------------------------------
# 4. Manifest
# ---------------------------------------------------------------------------
js() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }
json_list() { local sep="" x; printf '['; for x in "$@"; do printf '%s%s' "$sep" "$(js "$x")"; sep=", "; done; printf ']'; }
tmpjs=$(mktemp)
{
  echo "{"
  echo "  \"root\": $(js "$OUT"),"
  printf '  "sources": {'
  sep=""
  for proj in "${PROJECTS[@]}"; do
    printf '%s\n    "%s": {"version": %s, "dir": %s}' "$sep" "$proj" "$(js "$(basename "$(readlink -f "$SRC/$proj")")")" "$(js "$SRC/$proj")"
    sep=","
  done
  printf '\n  },\n  "variants": ['
  sep=""
  for proj in "${PROJECTS[@]}"; do
    for model in "${MODELS[@]}"; do
      d=$OUT/$proj-$model
      eval "$(flags "$proj" "$d")"
      CFLAGS=$(echo $CFLAGS $(model_cflags "$model"))
      printf '%s\n    {"name": "%s", "project": "%s", "model": "%s", "dir": %s, "src": %s,\n' \
        "$sep" "$proj-$model" "$proj" "$model" "$(js "$d")" "$(js "$SRC/$proj")"
      printf '     "cflags": %s, "cppflags": %s, "ldflags": %s,\n     "programs": [' "$(js "$CFLAGS")" "$(js "$CPPFLAGS")" "$(js "$LDFLAGS")"
      psep=""
      while read -r name native libs objs; do
        libl=(); [ "$libs" = - ] || IFS=, read -r -a libl <<< "$libs"
        read -r -a objl <<< "$objs"
        objl=("${objl[@]/#/$d/}")
        printf '%s\n       {"name": "%s", "native": %s, "libs": %s, "objects": %s}' \
          "$psep" "$name" "$(js "$d/$native")" "$(json_list ${libl[@]+"${libl[@]}"})" "$(json_list "${objl[@]}")"
        psep=","
      done < "$d/.programs"
      printf ']}'
      sep=","
    done
  done
  printf '\n  ]\n}\n'
} > "$tmpjs"
if cmp -s "$tmpjs" "$OUT/manifest.json"; then rm -f "$tmpjs"; else mv "$tmpjs" "$OUT/manifest.json"; fi

T1=$(date +%s.%N)
vers=""; for proj in "${PROJECTS[@]}"; do vers+=" $(basename "$(readlink -f "$SRC/$proj")")"; done
printf 'realprograms: %d variants ready in %s (%s; %d rebuilt; %.1fs; %s on disk)\n' \
  $((${#PROJECTS[@]} * ${#MODELS[@]})) "${OUT#"$ROOT"/}" "${vers# }" "$NBUILT" \
  "$(awk "BEGIN{print $T1-$T0}")" "$(du -sh "$OUT" 2>/dev/null | cut -f1)"
