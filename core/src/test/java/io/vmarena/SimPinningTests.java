package io.vmarena;

import io.vmarena.vm.sim.KernelProfile;
import org.junit.jupiter.api.Nested;

/** The pinning contract on the simulator: Linux 6.17 and 6.1, with 4 and 64 KiB pages, unlimited memlock. */
class SimPinningTests {
    abstract static class OnSimulator extends PinningContract {
        OnSimulator(final KernelProfile profile, final long pageSize) {
            simulate(profile.withPageSize(pageSize).withMemlock(KernelProfile.UNLIMITED));
        }
    }

    @Nested
    class Linux617Page4K extends OnSimulator {
        Linux617Page4K() {
            super(KernelProfile.LINUX_6_17, 4L << 10);
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
