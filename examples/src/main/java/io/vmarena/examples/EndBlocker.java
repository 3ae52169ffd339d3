package io.vmarena.examples;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Protection;
import io.vmarena.vm.VmException;

/**
 * A read-only page mapped right after an arena's range, as another library's mapping might be,
 * so that the arena cannot grow in place and must move. Closing it unmaps the page.
 */
final class EndBlocker implements AutoCloseable {
    private final AddressSpace space;
    private final long address;
    private final String description;

    /** Maps the page at {@code endAddress} with MAP_FIXED_NOREPLACE, which never replaces anything. */
    EndBlocker(final AddressSpace space, final long endAddress) {
        this.space = space;
        final long pageSize = space.pageSize();
        long placed = 0;
        String text;
        try {
            placed = space.map(endAddress, pageSize, Protection.READ, MapFlags.FIXED_NOREPLACE);
            text = "a read-only page mapped at " + DemoText.hex(endAddress) + ", right after the arena's range, "
                + "so it cannot grow in place";
            if (placed != endAddress) {
                space.unmap(placed, pageSize);
                placed = 0;
                text = "the kernel took MAP_FIXED_NOREPLACE as a hint and mapped no page at "
                    + DemoText.hex(endAddress) + ": the arena may grow in place";
            }
        } catch (final VmException taken) {
            text = "the page after the arena's range, " + DemoText.hex(endAddress) + ", is mapped already ("
                + taken.errno() + "), so it cannot grow in place";
        }
        this.address = placed;
        this.description = text;
    }

    /** What was done, for the demo's story. */
    String description() {
        return description;
    }

    @Override
    public void close() {
        if (address != 0) {
            space.unmap(address, space.pageSize());
        }
    }
}
