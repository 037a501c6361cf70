# Sourced by scripts/setup.sh and scripts/setup-bench.sh.
# apt_install_missing PACKAGE...: installs the Debian packages that are not installed yet
# (one apt-get update first, only when something is missing), with sudo when not root.
apt_install_missing() {
  local missing=() p sudo=""
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
}
