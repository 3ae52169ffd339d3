package io.vmarena.examples;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ServiceRunTest {
    /** Latencies that each set a new maximum, up to and past the highest trackable. */
    private static final long[] RISING_NANOS = {1_000, 1_000_000, 1_000_000_000, TimeUnit.SECONDS.toNanos(59),
        TimeUnit.SECONDS.toNanos(61), Long.MAX_VALUE};

    @Test
    void shouldRecordANewMaximumOnTheRequestThreadWithoutAllocating() {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 3; i++) { // classes loaded, on other recorders: the measured one sees its maxima first
            final Recorder warm = ServiceRun.newRecorder();
            for (final long nanos : RISING_NANOS) {
                ServiceRun.record(warm, nanos);
            }
        }
        final Recorder recorder = ServiceRun.newRecorder();

        final long before = threads.getCurrentThreadAllocatedBytes();
        for (final long nanos : RISING_NANOS) {
            ServiceRun.record(recorder, nanos);
        }
        final long allocatedBytes = threads.getCurrentThreadAllocatedBytes() - before;

        assertEquals(0, allocatedBytes, "bytes allocated recording " + RISING_NANOS.length + " new maxima");
    }

    @Test
    void shouldRecordALatencyBeyondTheHighestTrackableAsTheHighest() {
        final Recorder recorder = ServiceRun.newRecorder();
        ServiceRun.record(recorder, Long.MAX_VALUE);
        ServiceRun.record(recorder, TimeUnit.SECONDS.toNanos(61));

        final Histogram interval = recorder.getIntervalHistogram();
        assertEquals(2, interval.getTotalCount());
        assertEquals(interval.highestEquivalentValue(ServiceRun.HIGHEST_TRACKABLE_NANOS), interval.getMaxValue());
        assertEquals(ServiceRun.HIGHEST_TRACKABLE_NANOS, interval.getHighestTrackableValue(), 0.001
            * ServiceRun.HIGHEST_TRACKABLE_NANOS);
    }
}
