package io.vmarena;

import io.vmarena.vm.sim.KernelProfile;
import org.junit.jupiter.api.Nested;

/**
 * The arena contract on the simulator: Linux 6.17 (one call moves many VMAs) and Linux 6.1 (one
 * call per VMA), each with 4, 16 and 64 KiB pages.
 */
class SimArenaTests {
    /** The arena contract on a fresh simulated process per test. */
    abstract static class OnSimulator extends ArenaContract {
        OnSimulator(final KernelProfile profile, final long pageSize) {
            simulate(profile.withPageSize(pageSize));
        }
    }

    @Nested
    class Linux617Page4K extends OnSimulator {
        Linux617Page4K() {
            super(KernelProfile.LINUX_6_17, 4L << 10);
        }
    }

    @Nested
    class Linux617Page16K extends OnSimulator {
        Linux617Page16K() {
            super(KernelProfile.LINUX_6_17, 16L << 10);
        }
    }

    @Nested
    class Linux617Page64K extends OnSimulator {
        Linux617Page64K() {
            super(KernelProfile.LINUX_6_17, 64L << 10);
        }
    }

    @Nested
    class Linux61Page4K extends OnSimulator {
        Linux61Page4K() {
            super(KernelProfile.LINUX_6_1, 4L << 10);
        }
    }

    @Nested
    class Linux61Page16K extends OnSimulator {
        Linux61Page16K() {
            super(KernelProfile.LINUX_6_1, 16L << 10);
        }
    }

    @Nested
    class Linux61Page64K extends OnSimulator {
        Linux61Page64K() {
            super(KernelProfile.LINUX_6_1, 64L << 10);
        }
    }
}
