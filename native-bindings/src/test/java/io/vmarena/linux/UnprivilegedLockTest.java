package io.vmarena.linux;

import io.vmarena.vm.AddressSpaces;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The unprivileged lock paths (kernel-semantics 1.7, "RLIMIT_MEMLOCK errno summary"), in a
 * child JVM started under {@code setpriv --inh-caps=-ipc_lock --bounding-set=-ipc_lock} (when
 * this process holds CAP_IPC_LOCK) and {@code prlimit --memlock}, running {@link UnprivilegedChild}.
 */
class UnprivilegedLockTest {
    private static long pageSize;

    @BeforeAll
    static void requireTools() {
        ChildJvm.assumeTools();
        pageSize = AddressSpaces.open("linux").pageSize();
    }

    @Test
    void shouldRefuseLockBeyondTheLimitWithEnomemNamingTheLimitAndTheCapability() throws Exception {
        final Map<String, String> results = runChild(16 * pageSize, "caps", "lock:64:onfault", "lock:64:populate",
            "lock:8:onfault");

        assertEquals("ipcLock=false memlockSoft=" + 16 * pageSize, results.get("caps"));
        for (final String step : List.of("lock:64:onfault", "lock:64:populate")) {
            final String result = results.get(step);
            assertTrue(result.startsWith("ENOMEM: mlock2(0x"), step + ": " + result);
            assertTrue(result.contains("RLIMIT_MEMLOCK (soft " + 16 * pageSize + " bytes"), result);
            assertTrue(result.contains("lacks CAP_IPC_LOCK"), result);
        }
        assertEquals("ok", results.get("lock:8:onfault"));
    }

    @Test
    void shouldRefuseEveryLockWithEpermWhenTheLimitIsZero() throws Exception {
        final Map<String, String> results = runChild(0, "lock:1:onfault", "lock:1:populate", "lockflags:0",
            "lockflags:2");

        for (final String step : List.of("lock:1:onfault", "lock:1:populate")) {
            final String result = results.get(step);
            assertTrue(result.startsWith("EPERM: mlock2(0x"), step + ": " + result);
            assertTrue(result.contains("RLIMIT_MEMLOCK is 0 and the process lacks CAP_IPC_LOCK"), result);
        }
        assertEquals("EPERM: raw mlock2", results.get("lockflags:0"));
        // L1: unknown flags are refused before the permission check.
        assertEquals("EINVAL: raw mlock2", results.get("lockflags:2"));
    }

    @Test
    void shouldRefuseGrowingALockedVmaBeyondTheLimitWithEagain() throws Exception {
        final Map<String, String> results = runChild(16 * pageSize, "grow-locked:4:8", "grow-locked:4:64");

        assertEquals("ok", results.get("grow-locked:4:8"));
        final String result = results.get("grow-locked:4:64");
        assertTrue(result.startsWith("EAGAIN: mremap(0x"), result);
        assertTrue(result.contains("RLIMIT_MEMLOCK") && result.contains("CAP_IPC_LOCK"), result);
    }

    private static Map<String, String> runChild(final long memlockBytes, final String... steps) throws Exception {
        final ChildJvm.Result result = ChildJvm.run(memlockBytes, UnprivilegedChild.class.getName(), List.of(steps));
        assertEquals(0, result.exitCode(), () -> String.join(" ", result.command()) + "\n" + result.output());
        final Map<String, String> results = new HashMap<>();
        for (final String line : result.output().split("\n")) {
            final int arrow = line.indexOf(" -> ");
            if (arrow > 0) {
                results.put(line.substring(0, arrow), line.substring(arrow + 4));
            }
        }
        assertEquals(steps.length, results.size(), result.output());
        return results;
    }
}
