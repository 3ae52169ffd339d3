# shellcheck shell=bash
# What every VM lane does around its boots (.ci/arm64, .ci/old-kernel): the payload with the
# lane's options, and the report read from a console. Sourced, after lib.sh, payload.sh and
# console.sh.

vm_seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# Builds the payload into OUT/payload with the lane's options (lane.env, read by guest-run)
# and packs it with SYSROOT into OUT/initrd.cpio.
vm_lane_initramfs() { # SYSROOT OUT STEPS SELECTION TEST_JVM_ARGS DEMO_ARGS BENCH_ARGS
    local sysroot="$1" out="$2" mark
    mark="$(date +%s.%N)"
    vm_payload "$PWD" "$out/payload"
    cat >"$out/payload/lane.env" <<ENV
VMARENA_STEPS="$3"
VMARENA_TEST_SELECTION="$4"
VMARENA_TEST_JVM_ARGS="$5"
VMARENA_DEMO_ARGS="$6"
VMARENA_BENCH_ARGS="$7"
ENV
    vm_guest_initramfs "$sysroot" "$out/payload" "$out/stage" "$out/initrd.cpio"
    vm_log "payload and initramfs ($(du -h "$out/initrd.cpio" | cut -f1)) ready in $(vm_seconds_since "$mark") s"
}

# Prints the lane's result from its console: "LABEL: N passed, N failed, N skipped", then one
# line per step. Returns 1 when anything failed: a test, a step, a VM that ended early, or a
# guest whose page size is not PAGE_BYTES.
vm_lane_report() { # LABEL CONSOLE_LOG PAGE_BYTES STEPS
    local label="$1" log="$2" page_bytes="$3" steps="$4" counts guest_page end step failed=0
    counts="$(vm_test_counts "$log")"
    if [[ -z "$counts" ]]; then
        echo "$label: no test summary (the VM ended before the tests did; see $log)"
        failed=1
    else
        echo "$label: $counts"
        [[ "$counts" == *" 0 failed,"* ]] || failed=1
    fi
    guest_page="$(vm_guest_kernel "$log" | sed -n 's/.* page-size \([0-9]*\).*/\1/p')"
    if [[ "$guest_page" != "$page_bytes" ]]; then
        echo "  $label: the guest's page size '${guest_page:-none}' is not $page_bytes bytes"
        failed=1
    fi
    for step in $steps; do
        end="$(vm_step_end "$log" "$step")"
        if [[ "$end" == "rc=0 "* ]]; then
            echo "  $label $step: ok (${end#rc=0 })"
        else
            echo "  $label $step: FAILED (${end:-did not end})"
            failed=1
        fi
    done
    return "$failed"
}
