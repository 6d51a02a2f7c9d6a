#!/usr/bin/env bash
# Installs NVRTC, the CUDA runtime compiler, from Debian bookworm's non-free component (CUDA 11.8's
# libnvrtc11.2 and libnvrtc-builtins11.8), so that the tests compile every cuda/*.cu for sm_90 without a GPU.
# Needs root; non-interactive; does nothing when both packages are already installed. Adds "non-free" to the
# bookworm suites' components in /etc/apt/sources.list.d/debian.sources (deb822) or /etc/apt/sources.list.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

packages=(libnvrtc11.2 libnvrtc-builtins11.8)

installed() {
    local p
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || return 1
    done
}

if installed; then
    echo "install-nvrtc: ${packages[*]} already installed"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-nvrtc: must run as root to install ${packages[*]}" >&2
    exit 1
fi

# deb822: in every stanza whose Suites name a bookworm suite, add non-free to Components if it is not there.
deb822=/etc/apt/sources.list.d/debian.sources
if [ -f "$deb822" ]; then
    awk '
        BEGIN { RS = ""; ORS = "\n\n" }
        {
            n = split($0, lines, "\n"); bookworm = 0
            for (i = 1; i <= n; i++) if (lines[i] ~ /^Suites:/ && lines[i] ~ /bookworm/) bookworm = 1
            out = ""
            for (i = 1; i <= n; i++) {
                line = lines[i]
                if (bookworm && line ~ /^Components:/) {
                    m = split(line, words, /[ \t]+/); has = 0
                    for (j = 2; j <= m; j++) if (words[j] == "non-free") has = 1
                    if (!has) line = line " non-free"
                }
                out = out (i > 1 ? "\n" : "") line
            }
            print out
        }' "$deb822" > "$deb822.new"
    mv "$deb822.new" "$deb822"
fi

# One-line style: "deb URI bookworm[-updates|-security] main ..." lines get non-free appended.
legacy=/etc/apt/sources.list
if [ -f "$legacy" ]; then
    awk '
        /^deb(-src)?[ \t]/ {
            m = split($0, words, /[ \t]+/); bookworm = 0; has = 0
            for (j = 1; j <= m; j++) { if (words[j] ~ /^bookworm(-updates|-security)?$/) bookworm = 1; if (words[j] == "non-free") has = 1 }
            if (bookworm && !has) $0 = $0 " non-free"
        }
        { print }' "$legacy" > "$legacy.new"
    mv "$legacy.new" "$legacy"
fi

apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}"
installed
echo "install-nvrtc: installed ${packages[*]}"
