# Sourced by ./portal: a project-local virtual environment and the Debian packages the tests need.
# Quick when everything is already installed (a hash of both pinned sets decides whether pip runs).
# Both commands install the dev/test set too: ./portal run starts the local broker, fake Stripe and mailbox.

ensure_venv() {
  local want have
  want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
  have=$(cat .venv/.requirements.sha256 2>/dev/null || true)
  if [ ! -x .venv/bin/python ] || [ "$want" != "$have" ]; then
    echo "portal: installing Python dependencies into .venv (first run only)..." >&2
    python3 -m venv .venv
    .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
    echo "$want" > .venv/.requirements.sha256
  fi
  local site
  site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  printf '%s\n%s\n' "$PWD" "$PWD/libs" > "$site/billing_portal.pth"
}

ensure_test_packages() {
  local missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v pdftotext >/dev/null || missing+=(poppler-utils)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "portal: installing Debian packages: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}
