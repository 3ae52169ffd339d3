package io.vmarena;

import io.vmarena.vm.sim.KernelProfile;
import org.junit.jupiter.api.Nested;

/**
 * The copy contract on the simulator, whose moves poison the range they leave (a copy that saw
 * memory move fails its byte check): Linux 6.17 with 4 KiB pages, and Linux 6.1 (one move call
 * per VMA) with 64 KiB pages.
 */
class SimArenaCopyTest {
    abstract static class OnSimulator extends ArenaCopyContract {
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
    class Linux61Page64K extends OnSimulator {
        Linux61Page64K() {
            super(KernelProfile.LINUX_6_1, 64L << 10);
        }
    }
}
