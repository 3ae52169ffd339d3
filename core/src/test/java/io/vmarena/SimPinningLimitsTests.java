package io.vmarena;

import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Nested;

import java.util.List;

/**
 * The pinning-under-limits contract on the simulator, without CAP_IPC_LOCK and with the limit
 * each test asks for: Linux 6.17 and 6.1 with 4 KiB pages, and 6.17 with 64 KiB pages.
 */
class SimPinningLimitsTests {
    abstract static class OnSimulator extends PinningLimitsContract {
        private final KernelProfile profile;

        OnSimulator(final KernelProfile profile) {
            this.profile = profile;
        }

        @Override
        protected List<String> run(final long memlockBytes, final List<String> steps) {
            final SimulatedAddressSpace space = new SimulatedAddressSpace(profile.withMemlock(memlockBytes)
                .withIpcLock(false));
            try (PinningSteps runner = new PinningSteps(space, "sim-" + getClass().getSimpleName() + "-")) {
                return runner.runAll(steps);
            } finally {
                space.close();
            }
        }

        @Override
        protected long pageSize() {
            return profile.pageSize();
        }

        @Override
        protected String defaultSeeds() {
            return "1,2,3,4,5,6";
        }

        @Override
        protected int randomSteps() {
            return 400;
        }
    }

    @Nested
    class Linux617Page4K extends OnSimulator {
        Linux617Page4K() {
            super(KernelProfile.LINUX_6_17);
        }
    }

    @Nested
    class Linux617Page64K extends OnSimulator {
        Linux617Page64K() {
            super(KernelProfile.LINUX_6_17.withPageSize(64L << 10));
        }
    }

    @Nested
    class Linux61Page4K extends OnSimulator {
        Linux61Page4K() {
            super(KernelProfile.LINUX_6_1);
        }
    }
}
