package io.vmarena;

import io.vmarena.vm.MoveStrategy;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pinned arena moved by every move strategy, COPY above all: a copy must leave the copies
 * locked as the originals were and the originals gone, so VmLck never counts a segment twice
 * and never loses one. The pinning model (every byte, pinnedBytes == locked VMAs == VmLck's
 * delta after every step) under a small memlock limit, so pins are partial too.
 */
class PinMoveStrategiesAttackTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    @ParameterizedTest
    @EnumSource(value = MoveStrategy.class, names = "PER_VMA_KNOWN", mode = EnumSource.Mode.EXCLUDE)
    void shouldKeepExactLockAccountsWithEveryMoveStrategy(final MoveStrategy strategy) {
        for (final long seed : new long[] {11, 12, 13}) {
            try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17
                .withMemlock(24 * SEGMENT_BYTES).withIpcLock(false))) {
                final String answer = new PinningModel(space, "strategy-" + strategy, SEGMENT_BYTES, 0,
                    builder -> builder.moveStrategy(strategy)).run(seed, 300);
                System.out.println(strategy + ": " + answer);
                assertTrue(answer.startsWith("ok "), answer);
            }
        }
    }
}
