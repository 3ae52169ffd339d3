package io.vmarena.linux;

import java.util.Map;
import java.util.TreeMap;

/**
 * The ranges an address space handed out, so that it refuses to unmap, move or protect memory
 * it did not map (the JVM's heap, its code cache, a library), which would crash the process.
 *
 * <pre>
 *   claims:   [A.....A)   [B..B)[C....C)        one per map() or kernel-placed remap()
 *   covered:  [---x---)         [--y--)         x is inside A; y spans B and C: both allowed
 *   refused:           [--z--)                  z reaches outside every claim
 * </pre>
 *
 * A claim keeps its holes: pages its owner unmapped stay its own, so scenarios can probe the
 * kernel's behaviour over holes. A claim is given up when one call unmaps it whole, or moves
 * it away whole. Claims that would overlap are merged; adjacent claims stay apart, so each is
 * given up on its own.
 */
final class OwnedRanges {
    private final TreeMap<Long, Long> endByStart = new TreeMap<>();

    synchronized void claim(final long startAddress, final long endAddress) {
        long start = startAddress;
        long end = endAddress;
        Map.Entry<Long, Long> overlap = overlapping(start, end);
        while (overlap != null) {
            start = Math.min(start, overlap.getKey());
            end = Math.max(end, overlap.getValue());
            endByStart.remove(overlap.getKey());
            overlap = overlapping(start, end);
        }
        endByStart.put(start, end);
    }

    /** Whether every byte of {@code [startAddress, endAddress)} lies in some claim. */
    synchronized boolean covers(final long startAddress, final long endAddress) {
        long position = startAddress;
        while (position < endAddress) {
            final Map.Entry<Long, Long> claim = endByStart.floorEntry(position);
            if (claim == null || claim.getValue() <= position) {
                return false;
            }
            position = claim.getValue();
        }
        return true;
    }

    /** Gives up every claim that lies wholly inside {@code [startAddress, endAddress)}. */
    synchronized void releaseWithin(final long startAddress, final long endAddress) {
        endByStart.subMap(startAddress, true, endAddress, false).entrySet()
            .removeIf(claim -> claim.getValue() <= endAddress);
    }

    synchronized int size() {
        return endByStart.size();
    }

    private Map.Entry<Long, Long> overlapping(final long startAddress, final long endAddress) {
        final Map.Entry<Long, Long> before = endByStart.lowerEntry(endAddress);
        return before != null && before.getValue() > startAddress ? before : null;
    }
}
