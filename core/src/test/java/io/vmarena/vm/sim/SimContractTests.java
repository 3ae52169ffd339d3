package io.vmarena.vm.sim;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaceContract;
import io.vmarena.vm.RangeMoverContract;
import org.junit.jupiter.api.Nested;

/**
 * The AddressSpace and RangeMover contracts on the simulator: Linux 6.17 with 4, 16 and 64 KiB
 * pages, Linux 6.1 (no multi-VMA moves), and a 6.17 build whose read faults allocate pages
 * instead of mapping the zero page. The very assertions the Linux backend passes; where an
 * assertion depends on a kernel trait, it expects what the address space's capabilities say.
 */
class SimContractTests {
    private static final long BLOCK_BYTES = 256L << 20;

    /** The AddressSpace contract on a fresh simulated process per test. */
    abstract static class Space extends AddressSpaceContract {
        private final KernelProfile profile;

        Space(final KernelProfile profile) {
            this.profile = profile;
        }

        @Override
        protected AddressSpace addressSpace() {
            return new SimulatedAddressSpace(profile, BLOCK_BYTES);
        }

        @Override
        protected void release(final AddressSpace addressSpace) {
            ((SimulatedAddressSpace)addressSpace).close();
        }
    }

    /** The RangeMover contract on a fresh simulated process per test. */
    abstract static class Mover extends RangeMoverContract {
        private final KernelProfile profile;

        Mover(final KernelProfile profile) {
            this.profile = profile;
        }

        @Override
        protected AddressSpace addressSpace() {
            return new SimulatedAddressSpace(profile, BLOCK_BYTES);
        }

        @Override
        protected void release(final AddressSpace addressSpace) {
            ((SimulatedAddressSpace)addressSpace).close();
        }
    }

    @Nested
    class Linux617Page4K extends Space {
        Linux617Page4K() {
            super(KernelProfile.LINUX_6_17);
        }
    }

    @Nested
    class Linux617Page16K extends Space {
        Linux617Page16K() {
            super(KernelProfile.LINUX_6_17.withPageSize(16384));
        }
    }

    @Nested
    class Linux617Page64K extends Space {
        Linux617Page64K() {
            super(KernelProfile.LINUX_6_17.withPageSize(65536));
        }
    }

    @Nested
    class Linux61 extends Space {
        Linux61() {
            super(KernelProfile.LINUX_6_1);
        }
    }

    @Nested
    class MoverLinux617 extends Mover {
        MoverLinux617() {
            super(KernelProfile.LINUX_6_17);
        }
    }

    @Nested
    class MoverLinux61 extends Mover {
        MoverLinux61() {
            super(KernelProfile.LINUX_6_1);
        }
    }

    @Nested
    class MoverLinux617Page64K extends Mover {
        MoverLinux617Page64K() {
            super(KernelProfile.LINUX_6_17.withPageSize(65536));
        }
    }

    @Nested
    class Linux617WithoutZeroPage extends Space {
        Linux617WithoutZeroPage() {
            super(KernelProfile.LINUX_6_17.withZeroPage(false));
        }
    }

    @Nested
    class MoverLinux617WithoutZeroPage extends Mover {
        MoverLinux617WithoutZeroPage() {
            super(KernelProfile.LINUX_6_17.withZeroPage(false));
        }
    }

    @Nested
    class MoverLinux61WithoutZeroPage extends Mover {
        MoverLinux61WithoutZeroPage() {
            super(KernelProfile.LINUX_6_1.withZeroPage(false));
        }
    }
}
