package io.vmarena.vm.sim;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaceContract;
import io.vmarena.vm.RangeMoverContract;
import org.junit.jupiter.api.Nested;

/**
 * The AddressSpace and RangeMover contracts on the simulator: Linux 6.17 with 4, 16 and 64 KiB
 * pages, and Linux 6.1 (no multi-VMA moves). The very assertions the Linux backend passes.
 */
class SimContractTests {
    private static final long BLOCK_BYTES = 256L << 20;

    @Nested
    class Linux617Page4K extends AddressSpaceContract {
        @Override
        protected AddressSpace addressSpace() {
            return new SimulatedAddressSpace(KernelProfile.LINUX_6_17, BLOCK_BYTES);
        }

        @Override
        protected void release(final AddressSpace addressSpace) {
            ((SimulatedAddressSpace)addressSpace).close();
        }
    }

    @Nested
    class Linux617Page16K extends AddressSpaceContract {
        @Override
        protected AddressSpace addressSpace() {
            return new SimulatedAddressSpace(KernelProfile.LINUX_6_17.withPageSize(16384), BLOCK_BYTES);
        }

        @Override
        protected void release(final AddressSpace addressSpace) {
            ((SimulatedAddressSpace)addressSpace).close();
        }
    }

    @Nested
    class Linux617Page64K extends AddressSpaceContract {
        @Override
        protected AddressSpace addressSpace() {
            return new SimulatedAddressSpace(KernelProfile.LINUX_6_17.withPageSize(65536), BLOCK_BYTES);
        }

        @Override
        protected void release(final AddressSpace addressSpace) {
            ((SimulatedAddressSpace)addressSpace).close();
        }
    }

    @Nested
    class Linux61 extends AddressSpaceContract {
        @Override
        protected AddressSpace addressSpace() {
            return new SimulatedAddressSpace(KernelProfile.LINUX_6_1, BLOCK_BYTES);
        }

        @Override
        protected void release(final AddressSpace addressSpace) {
            ((SimulatedAddressSpace)addressSpace).close();
        }
    }

    @Nested
    class MoverLinux617 extends RangeMoverContract {
        @Override
        protected AddressSpace addressSpace() {
            return new SimulatedAddressSpace(KernelProfile.LINUX_6_17, BLOCK_BYTES);
        }

        @Override
        protected void release(final AddressSpace addressSpace) {
            ((SimulatedAddressSpace)addressSpace).close();
        }
    }

    @Nested
    class MoverLinux61 extends RangeMoverContract {
        @Override
        protected AddressSpace addressSpace() {
            return new SimulatedAddressSpace(KernelProfile.LINUX_6_1, BLOCK_BYTES);
        }

        @Override
        protected void release(final AddressSpace addressSpace) {
            ((SimulatedAddressSpace)addressSpace).close();
        }
    }

    @Nested
    class MoverLinux617Page64K extends RangeMoverContract {
        @Override
        protected AddressSpace addressSpace() {
            return new SimulatedAddressSpace(KernelProfile.LINUX_6_17.withPageSize(65536), BLOCK_BYTES);
        }

        @Override
        protected void release(final AddressSpace addressSpace) {
            ((SimulatedAddressSpace)addressSpace).close();
        }
    }
}
