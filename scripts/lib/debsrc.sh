# scripts/lib/debsrc.sh — shared by scripts/realworld.sh and scripts/realprograms.sh:
# install missing tools and fetch Debian source packages with `apt-get source`.
# Source it after setting
#   LOG_TAG  prefix of every message (e.g. "realworld")
#   SRC      directory the source trees are fetched into
# Exit status convention: 77 = the sources cannot be fetched on this machine
# (no apt-get / not root / no Debian mirror); 1 = real failure.

log() { printf '%s: %s\n' "$LOG_TAG" "$*" >&2; }
die() { printf '%s: error: %s\n' "$LOG_TAG" "$*" >&2; exit 1; }
cannot_fetch() { printf '%s: cannot fetch sources: %s\n' "$LOG_TAG" "$*" >&2; exit 77; }

SUDO=()
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=(sudo -n); fi
fi
as_root() {
  if [ "$(id -u)" = 0 ] || [ ${#SUDO[@]} -gt 0 ]; then "${SUDO[@]}" "$@"; else return 1; fi
}

# install_pkgs <debian package>... (nothing to do without arguments)
install_pkgs() {
  [ $# -gt 0 ] || return 0
  command -v apt-get >/dev/null || cannot_fetch "missing $* and no apt-get"
  log "installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >&2 \
    || { as_root apt-get update >&2 && as_root env DEBIAN_FRONTEND=noninteractive \
           apt-get install -y --no-install-recommends "$@" >&2; } \
    || cannot_fetch "could not apt-get install $*"
}

have_deb_src() {
  grep -Eqs '^[[:space:]]*deb-src[[:space:]]|^Types:.*deb-src' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources
}

add_deb_src() {
  local f=/etc/apt/sources.list.d/hotlink-src.sources tmp
  tmp=$(mktemp)
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    # Same URIs/Suites/Components/Signed-By as every "Types: deb" stanza.
    awk 'BEGIN { RS = ""; FS = "\n" }
         { deb = 0; off = 0
           for (i = 1; i <= NF; i++) {
             if ($i ~ /^Types:/ && (" " substr($i, 7) " ") ~ /[ \t]deb[ \t]/) { deb = 1; $i = "Types: deb-src" }
             if ($i ~ /^Enabled:[ \t]*no/) off = 1
           }
           if (deb && !off) { for (i = 1; i <= NF; i++) print $i; print "" } }' \
      /etc/apt/sources.list.d/debian.sources > "$tmp"
  fi
  if [ ! -s "$tmp" ] && [ -f /etc/apt/sources.list ]; then
    sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list > "$tmp"
    f=/etc/apt/sources.list.d/hotlink-src.list
  fi
  if [ ! -s "$tmp" ]; then
    rm -f "$tmp"; cannot_fetch "no Debian 'deb' entry in /etc/apt to derive a deb-src entry from"
  fi
  log "adding deb-src entry $f"
  as_root install -m 0644 "$tmp" "$f" || { rm -f "$tmp"; cannot_fetch "cannot write $f (not root)"; }
  rm -f "$tmp"
}

fetch_pkg() { # fetch_pkg <debian source package> <link name>
  local pkg=$1 name=$2 tmp dir
  [ -e "$SRC/$name" ] && return 0
  tmp=$(mktemp -d "$SRC/.fetch-$name.XXXXXX")
  log "apt-get source $pkg"
  # _apt cannot read root-owned dirs: apt then warns and downloads unsandboxed; harmless.
  if ! (cd "$tmp" && apt-get source "$pkg" > "$SRC/fetch-$name.log" 2>&1); then
    tail -n 20 "$SRC/fetch-$name.log" >&2; rm -rf "$tmp"; return 1
  fi
  dir=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n1)
  [ -n "$dir" ] || { rm -rf "$tmp"; die "apt-get source $pkg produced no directory"; }
  rm -rf "${SRC:?}/$(basename "$dir")"
  mv "$dir" "$SRC/$(basename "$dir")"
  rm -rf "$tmp"
  ln -sfn "$(basename "$dir")" "$SRC/$name"
}

# fetch_sources <package>:<link name>...  — each package once (the link
# $SRC/<link name> marks it); $SRC/.fetched marks that all of them are there.
fetch_sources() {
  local pair missing=()
  for pair in "$@"; do [ -e "$SRC/${pair#*:}" ] || missing+=("$pair"); done
  if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null || cannot_fetch "apt-get not found (not a Debian system)"
    mkdir -p "$SRC"
    if ! have_deb_src; then
      add_deb_src
      as_root apt-get update -qq >&2 || cannot_fetch "apt-get update failed"
    fi
    for pair in "${missing[@]}"; do
      if ! fetch_pkg "${pair%%:*}" "${pair#*:}"; then
        # Maybe the deb-src entry was there but the index is stale.
        as_root apt-get update -qq >&2 || true
        fetch_pkg "${pair%%:*}" "${pair#*:}" || cannot_fetch "apt-get source ${pair%%:*} failed"
      fi
    done
  fi
  touch "$SRC/.fetched"
}
