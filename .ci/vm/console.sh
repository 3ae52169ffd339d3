# shellcheck shell=bash
# Reads a lane's results from its VM's serial console log (the protocol of guest-init and
# guest-run: "@@vmarena" lines, found anywhere in a line since x86 firmware may put terminal
# escapes before the first; and the JUnit console launcher's summary). Sourced.

# "N passed, N failed, N skipped" from the launcher's summary; failed counts failed tests and
# failed containers (a class whose set-up failed), skipped counts skipped and aborted tests
# (an assumption that did not hold: a missing kernel feature). Empty without a summary.
vm_test_counts() { # CONSOLE_LOG
    tr -d '\r' <"$1" | awk '
        /^\[ *[0-9]+ tests successful *\]/  { passed = $2; seen = 1 }
        /^\[ *[0-9]+ tests failed *\]/      { failed += $2 }
        /^\[ *[0-9]+ containers failed *\]/ { failed += $2 }
        /^\[ *[0-9]+ tests skipped *\]/     { skipped += $2 }
        /^\[ *[0-9]+ tests aborted *\]/     { skipped += $2 }
        END { if (seen) printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped }'
}

# "rc=N seconds=S" of step NAME, or empty if the step did not end.
vm_step_end() { # CONSOLE_LOG NAME
    tr -d '\r' <"$1" | sed -n "s/^.*@@vmarena step $2 end //p" | tail -1
}

# The guest's kernel line ("7.3.4+deb13-arm64 aarch64 page-size 16384"), empty if it never ran.
vm_guest_kernel() { # CONSOLE_LOG
    tr -d '\r' <"$1" | sed -n 's/^.*@@vmarena kernel //p' | tail -1
}
