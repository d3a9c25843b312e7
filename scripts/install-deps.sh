#!/usr/bin/env bash
# Installs the Debian packages the portal needs to build, test and benchmark.
# Idempotent: only missing packages are installed; uses sudo when not root.
set -euo pipefail

packages=(
    libsqlite3-dev      # GRDB links the system SQLite
    libargon2-dev       # password hashing (accounts)
    zlib1g-dev          # gzip for tenant archives and backups
    dnsmasq-base        # a real DNS server on loopback for the custom-domain tests (no system service)
    caddy               # the TLS edge (on-demand certificates) in front of the portal, and its test
    libcurl4-openssl-dev # SMTP delivery (mail)
    libssl-dev
    pkg-config
    wrk                 # make bench
    chromium            # browser tests
    chromium-driver
    python3-selenium
    python3-html5lib    # HTML5 validity of rendered pages
    python3-aiosmtpd    # a real SMTP server on loopback for the mail tests
    zbar-tools          # decodes the two-factor QR codes in tests
    librsvg2-bin        # renders those SVG QR codes to PNG for zbarimg
    curl
    python3-venv        # .venv for the PyPI packages of the checks (axe-selenium-python)
    weasyprint          # PDF invoices
    poppler-utils       # pdftotext: the PDF invoice test reads the text back
    rclone              # pushes backups off the machine (any rclone remote), and fetches them back
    libidn2-dev         # internationalised domain names (IDNA 2008), through the CIDN2 shim
    gettext             # msgfmt --check: the message catalogs are valid GNU PO files
    openssh-client      # ssh-keygen: the keys of the SFTP server the backup tests run on loopback (rclone serve sftp)
    postgresql          # the shared registry of several nodes; tests run their own cluster (no system service)
    haproxy             # routes hosts to nodes; tests run their own on loopback (no system service)
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all system packages present"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# PostgreSQL's package would create and start a cluster of its own; the cluster tests start theirs in a
# temporary folder, so ask Debian for the binaries only.
if printf '%s\n' "${missing[@]}" | grep -qx postgresql && [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    $sudo mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.conf >/dev/null
fi
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
