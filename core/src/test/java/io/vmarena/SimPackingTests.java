package io.vmarena;

import io.vmarena.vm.sim.KernelProfile;
import org.junit.jupiter.api.Nested;

/** The packing contract on the simulator, with 4, 16 and 64 KiB pages (and 6.1's kernel once: packing makes no move). */
class SimPackingTests {
    /** The packing contract on a fresh simulated process per test. */
    abstract static class OnSimulator extends PackingContract {
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
}
