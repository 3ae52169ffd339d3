# shellcheck shell=bash
# The VM-building code shared by the VM lanes (.ci/arm64; one lane = one kernel + one
# architecture). Sourced, not run. Each function does one job; everything downloaded is kept in
# VM_CACHE so that a second run downloads nothing. Never touches the host's dpkg database or its
# architectures: foreign packages come through a private apt configuration and are unpacked
# with dpkg -x. Facts behind the choices: docs of the team (shared/arm64.md).

VM_CACHE="${VMARENA_VM_CACHE:-$HOME/.cache/vmarena-vm}"
VM_MIRROR="${VMARENA_VM_MIRROR:-http://deb.debian.org/debian}"

vm_log() { printf '[vm %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
vm_die() { vm_log "error: $*"; exit 2; }

# Installs the host's packages (qemu-system-ARCHFAMILY, cpio) unless their commands are present.
vm_host_packages() { # QEMU_BINARY DEBIAN_PACKAGE
    local binary="$1" package="$2"
    if command -v "$binary" >/dev/null && command -v cpio >/dev/null; then return; fi
    vm_log "installing $package cpio on the host"
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "$package" cpio >/dev/null
}

# A private apt configuration for ARCH and SUITE: its own lists, status (empty), cache and
# sources, so the host's dpkg state is never read or written. Prints the config file's path.
vm_apt_config() { # ARCH SUITE
    local arch="$1" suite="$2" dir="$VM_CACHE/apt/$1-$2"
    mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/etc/preferences.d" "$dir/etc/apt.conf.d"
    [[ -f "$dir/status" ]] || : >"$dir/status"
    echo "deb [arch=$arch] $VM_MIRROR $suite main" >"$dir/etc/sources.list"
    cat >"$dir/apt.conf" <<CONF
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
Dir::State "$dir";
Dir::State::Lists "$dir/lists";
Dir::State::status "$dir/status";
Dir::Cache "$dir/cache";
Dir::Etc::SourceList "$dir/etc/sources.list";
Dir::Etc::SourceParts "$dir/etc/sources.list.d";
Dir::Etc::Preferences "$dir/etc/preferences";
Dir::Etc::PreferencesParts "$dir/etc/preferences.d";
Dir::Etc::Parts "$dir/etc/apt.conf.d";
Dir::Etc::Trusted "/etc/apt/trusted.gpg";
Dir::Etc::TrustedParts "/usr/share/keyrings";
Acquire::Languages "none";
APT::Sandbox::User "root";
CONF
    echo "$dir/apt.conf"
}

# apt-get with a private configuration; the lists are fetched once (rm VM_CACHE/apt to refresh).
vm_apt() { # CONF ARGS...
    local conf="$1"; shift
    APT_CONFIG="$conf" apt-get -q -o Debug::NoLocking=1 "$@"
}

vm_apt_update_once() { # CONF
    local conf="$1" lists
    lists="$(dirname "$conf")/lists"
    if compgen -G "$lists/*_Packages*" >/dev/null; then return; fi
    vm_log "apt-get update ($(dirname "$conf"))"
    vm_apt "$conf" update -qq >/dev/null
}

# Downloads PACKAGES (exact names, no dependency resolution) into DEST unless a .deb of each is
# there already.
vm_apt_download() { # CONF DEST PACKAGES...
    local conf="$1" dest="$2" missing=() package; shift 2
    mkdir -p "$dest"
    for package in "$@"; do
        compgen -G "$dest/${package}_*.deb" >/dev/null || missing+=("$package")
    done
    ((${#missing[@]} == 0)) && return
    vm_apt_update_once "$conf"
    vm_log "downloading ${missing[*]}"
    (cd "$dest" && vm_apt "$conf" download -qq "${missing[@]}" >/dev/null)
}

# The name of the package PACKAGE depends on first whose name matches REGEX (to follow a
# metapackage down to the real one).
vm_apt_follow() { # CONF PACKAGE REGEX
    local conf="$1" package="$2" regex="$3"
    vm_apt_update_once "$conf"
    APT_CONFIG="$conf" apt-cache depends --no-recommends --no-suggests "$package" 2>/dev/null |
        sed -n 's/^ *\(Pre\)\{0,1\}Depends: //p' | grep -E "$regex" | head -1
}

# Unpacks every .deb of DEBS_DIR into SYSROOT (once: a stamp records it).
vm_unpack() { # DEBS_DIR SYSROOT
    local debs="$1" root="$2" deb
    [[ -f "$root/.unpacked" ]] && return
    rm -rf "$root" && mkdir -p "$root"
    vm_log "unpacking $(ls "$debs"/*.deb | wc -l) packages into $root"
    for deb in "$debs"/*.deb; do dpkg -x "$deb" "$root"; done
    touch "$root/.unpacked"
}

# Absolute symlinks inside SYSROOT point at the host's files; make them relative to SYSROOT
# (the JDK links lib/security, conf etc. into /etc/java-17-openjdk).
vm_relink_absolute() { # SYSROOT
    local root="$1" link target
    while IFS= read -r -d '' link; do
        target="$(readlink "$link")"
        [[ "$target" == /* ]] || continue
        ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$root$target")" "$link"
    done < <(find "$root" -type l -print0)
}

# Packs DIR (and the extra files already copied into it) into a newc cpio initramfs OUT.
vm_initramfs() { # DIR OUT
    local dir="$1" out="$2"
    (cd "$dir" && find . -print0 | cpio --null -o -H newc --quiet) >"$out"
}

# Boots KERNEL with INITRD under qemu-system-aarch64 (TCG), the serial console on stdout,
# killed after TIMEOUT_SECONDS. The guest's /init powers off when done.
vm_boot_aarch64() { # KERNEL INITRD MEMORY TIMEOUT_SECONDS
    timeout --foreground -k 10 "$4" qemu-system-aarch64 -M virt -cpu max -smp 2 -m "$3" \
        -accel tcg,thread=multi -nographic -no-reboot -nic none -monitor none \
        -kernel "$1" -initrd "$2" -append "console=ttyAMA0 rdinit=/init panic=-1 quiet"
}

# The same under qemu-system-x86_64 (TCG: no KVM here). la57=off: four-level paging, TASK_SIZE
# 2^47 less a page, as on this machine and on most x86-64 servers (qemu's "max" CPU would
# otherwise offer five-level paging, which Debian's kernel takes).
vm_boot_x86_64() { # KERNEL INITRD MEMORY TIMEOUT_SECONDS
    timeout --foreground -k 10 "$4" qemu-system-x86_64 -M q35 -cpu max,la57=off -smp 2 -m "$3" \
        -accel tcg,thread=multi -nographic -no-reboot -nic none -monitor none \
        -kernel "$1" -initrd "$2" -append "console=ttyS0 rdinit=/init panic=-1 quiet"
}

# Downloads (once) and unpacks (once) a Debian sysroot of PACKAGES for ARCH from SUITE into
# VM_CACHE/sysroot/ARCH-SUITE; prints its path.
vm_debian_sysroot() { # ARCH SUITE PACKAGES...
    local arch="$1" suite="$2" conf root; shift 2
    conf="$(vm_apt_config "$arch" "$suite")"
    vm_apt_download "$conf" "$VM_CACHE/debs/$arch-$suite/sysroot" "$@"
    root="$VM_CACHE/sysroot/$arch-$suite"
    if [[ ! -f "$root/.unpacked" ]]; then
        vm_unpack "$VM_CACHE/debs/$arch-$suite/sysroot" "$root"
        vm_relink_absolute "$root"
    fi
    echo "$root"
}

# Follows Debian's kernel metapackage META (linux-image-arm64, linux-image-arm64-16k,
# linux-image-amd64) from SUITE down to the unsigned kernel package, downloads and unpacks it
# once, and prints the path of its vmlinuz. From trixie on the image depends on a
# linux-binary-VERSION package, whose unsigned twin holds the kernel; bookworm's image has an
# unsigned twin of its own (linux-image-VERSION-unsigned).
vm_debian_kernel() { # ARCH SUITE META
    local arch="$1" suite="$2" meta="$3" conf image binary unsigned dir
    dir="$VM_CACHE/kernel/$arch-$suite-$meta"
    if [[ ! -f "$dir/.unpacked" ]]; then
        conf="$(vm_apt_config "$arch" "$suite")"
        image="$(vm_apt_follow "$conf" "$meta" '^linux-image-[0-9]')"
        [[ -n "$image" ]] || vm_die "$meta in $suite depends on no linux-image-VERSION package"
        binary="$(vm_apt_follow "$conf" "$image" '^linux-binary-[0-9]')"
        if [[ -n "$binary" ]]; then
            unsigned="${binary/#linux-binary-/linux-binary-unsigned-}"
        else
            unsigned="$image-unsigned"
        fi
        rm -rf "$dir/debs"
        vm_apt_download "$conf" "$dir/debs" "$unsigned"
        vm_unpack "$dir/debs" "$dir/root"
        touch "$dir/.unpacked"
    fi
    find "$dir/root" -type f -name "vmlinu*" | head -1
}

# Assembles the guest's root file system in STAGE (SYSROOT hard-linked where the file system
# allows, without docs and manuals; busybox as /bin/sh; an /etc/passwd entry, without which
# user.home is "?" and JNA unpacks its library under the working directory; /init; the
# payload) and packs it into the initramfs OUT.
vm_guest_initramfs() { # SYSROOT PAYLOAD_DIR STAGE OUT
    local root="$1" payload="$2" stage="$3" out="$4" here
    here="$(dirname "${BASH_SOURCE[0]}")"
    rm -rf "$stage" && mkdir -p "$stage"
    cp -al "$root/." "$stage/" 2>/dev/null || cp -a "$root/." "$stage/"
    rm -rf "$stage/usr/share/doc" "$stage/usr/share/man" "$stage/usr/share/locale" "$stage/.unpacked"
    ln -sf busybox "$stage/bin/sh"
    mkdir -p "$stage/etc" "$stage/root"
    echo 'root:x:0:0:root:/root:/bin/sh' >"$stage/etc/passwd"
    echo 'root:x:0:' >"$stage/etc/group"
    cp "$here/guest-init" "$stage/init"
    cp -r "$payload" "$stage/payload"
    cp "$here/guest-run" "$stage/payload/run"
    vm_initramfs "$stage" "$out"
    rm -rf "$stage"
}
