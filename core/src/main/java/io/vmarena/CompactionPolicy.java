package io.vmarena;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/**
 * When a shared arena compacts itself in the background (off by default: see
 * {@link Arena.Builder#compactionPolicy}). Every {@link #period()} a scheduled task looks at the
 * arena's figures and, when any threshold is passed, runs one {@link Arena#compactSlice()} (then
 * more at the next periods until the arena is compact): never on the allocation path. The
 * thresholds:
 * <ul>
 * <li>{@link #fragmentationAbove}: the share of the bytes in class and run segments not handed
 * out, plus free segments between used ones (default 0.5);</li>
 * <li>{@link #reservedToLiveAbove}: reserved bytes over live bytes (default 4);</li>
 * <li>{@link #vmaShareAbove}: the arena's VMAs as a share of {@code vm.max_map_count} (default
 * 0.01: 655 of the usual 65,530), since a process that runs out of VMAs cannot map, move or
 * even split memory.</li>
 * </ul>
 * The task runs on the scheduler given, or on one daemon thread ({@code vmarena-compactor})
 * shared by every arena that gives none; it ends when the arena closes. A slice that fails is
 * reported through {@link System.Logger} {@code io.vmarena.Arena}, and the policy stops for that
 * arena (a failure repeats otherwise every period).
 */
public final class CompactionPolicy {
    private final Duration period;
    private final double fragmentationAbove;
    private final double reservedToLiveAbove;
    private final double vmaShareAbove;
    private final ScheduledExecutorService scheduler;

    private CompactionPolicy(final Builder builder) {
        period = builder.period;
        fragmentationAbove = builder.fragmentationAbove;
        reservedToLiveAbove = builder.reservedToLiveAbove;
        vmaShareAbove = builder.vmaShareAbove;
        scheduler = builder.scheduler;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Duration period() {
        return period;
    }

    public double fragmentationAbove() {
        return fragmentationAbove;
    }

    public double reservedToLiveAbove() {
        return reservedToLiveAbove;
    }

    public double vmaShareAbove() {
        return vmaShareAbove;
    }

    /** The scheduler given, or null for the shared daemon thread. */
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** How a policy is built; every setting has a default. */
    public static final class Builder {
        private Duration period = Duration.ofSeconds(1);
        private double fragmentationAbove = 0.5;
        private double reservedToLiveAbove = 4;
        private double vmaShareAbove = 0.01;
        private ScheduledExecutorService scheduler;

        private Builder() {
        }

        /** How often the arena is looked at; default 1 s. */
        public Builder period(final Duration value) {
            Objects.requireNonNull(value, "period");
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("period must be positive, got " + value);
            }
            period = value;
            return this;
        }

        /** 0 to 1; default 0.5. 1 never triggers on fragmentation. */
        public Builder fragmentationAbove(final double value) {
            if (!(value >= 0 && value <= 1)) {
                throw new IllegalArgumentException("fragmentationAbove must be 0 to 1, got " + value);
            }
            fragmentationAbove = value;
            return this;
        }

        /** At least 1; default 4. {@code Double.POSITIVE_INFINITY} never triggers on it. */
        public Builder reservedToLiveAbove(final double value) {
            if (!(value >= 1)) {
                throw new IllegalArgumentException("reservedToLiveAbove must be at least 1, got " + value);
            }
            reservedToLiveAbove = value;
            return this;
        }

        /** 0 to 1; default 0.01. 1 never triggers on VMAs. */
        public Builder vmaShareAbove(final double value) {
            if (!(value >= 0 && value <= 1)) {
                throw new IllegalArgumentException("vmaShareAbove must be 0 to 1, got " + value);
            }
            vmaShareAbove = value;
            return this;
        }

        /** Where the slices run; default one shared daemon thread. The caller owns it: it is never shut down here. */
        public Builder scheduler(final ScheduledExecutorService value) {
            scheduler = Objects.requireNonNull(value, "scheduler");
            return this;
        }

        public CompactionPolicy build() {
            return new CompactionPolicy(this);
        }
    }
}
