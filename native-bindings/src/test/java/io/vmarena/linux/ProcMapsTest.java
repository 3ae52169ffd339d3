package io.vmarena.linux;

import io.vmarena.vm.Mapping;
import io.vmarena.vm.Protection;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProcMapsTest {
    private static final String MAPS = ""
        + "55d0c8a00000-55d0c8a01000 r--p 00000000 fd:01 1234   /usr/bin/java\n"
        + "7f0000000000-7f0000002000 rw-p 00000000 00:00 0 \n"
        + "7f0000002000-7f0000003000 r--p 00000000 00:00 0 \n"
        + "7f0000004000-7f0000008000 ---p 00000000 00:00 0   [anon: a name with spaces]\n"
        + "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0   [vsyscall]\n";

    private static final String SMAPS = ""
        + "7f0000000000-7f0000002000 rw-p 00000000 00:00 0 \n"
        + "Size:                  8 kB\n"
        + "Rss:                   4 kB\n"
        + "Locked:                4 kB\n"
        + "VmFlags: rd wr mr mw me lo lf ac \n"
        + "7f0000004000-7f0000008000 ---p 00000000 00:00 0 \n"
        + "Size:                 16 kB\n"
        + "Rss:                   0 kB\n"
        + "Locked:                0 kB\n"
        + "VmFlags: mr mw me nr \n";

    @Test
    void shouldParseTheVmasThatIntersectTheRange() {
        assertEquals(List.of(
                Mapping.of(0x7f0000002000L, 0x7f0000003000L, Protection.READ),
                Mapping.of(0x7f0000004000L, 0x7f0000008000L, Protection.NONE)),
            ProcMaps.parseMaps(MAPS, 0x7f0000002800L, 0x7f0000004001L));
    }

    @Test
    void shouldSkipKernelAddressesAndCountTheRest() {
        assertEquals(4, ProcMaps.countMappings(MAPS));
        assertEquals(List.of(), ProcMaps.parseMaps(MAPS, 0x7f0000010000L, Long.MAX_VALUE));
    }

    @Test
    void shouldReadLockFlagsResidentAndLockedPagesFromSmaps() {
        assertEquals(List.of(
                Mapping.withDetails(0x7f0000000000L, 0x7f0000002000L, Protection.READ_WRITE, true, true, false, 1, 1),
                Mapping.withDetails(0x7f0000004000L, 0x7f0000008000L, Protection.NONE, false, false, true, 0, 0)),
            ProcMaps.parseSmaps(SMAPS, 0, Long.MAX_VALUE, 4096));
    }

    @Test
    void shouldReadHugePageAdviceAndAnonHugePagesFromSmaps() {
        final String smaps = ""
            + "7f0000000000-7f0000600000 rw-p 00000000 00:00 0 \n"
            + "Size:               6144 kB\n"
            + "Rss:                4100 kB\n"
            + "AnonHugePages:      4096 kB\n"
            + "ShmemPmdMapped:        0 kB\n"
            + "FilePmdMapped:         0 kB\n"
            + "Locked:                0 kB\n"
            + "THPeligible:           1\n"
            + "VmFlags: rd wr mr mw me ac nr hg \n"
            + "7f0000600000-7f0000800000 rw-p 00000000 00:00 0 \n"
            + "Rss:                   8 kB\n"
            + "AnonHugePages:         0 kB\n"
            + "Locked:                0 kB\n"
            + "VmFlags: rd wr mr mw me ac nr nh \n";

        assertEquals(List.of(
                Mapping.withDetails(0x7f0000000000L, 0x7f0000600000L, Protection.READ_WRITE, false, false, true,
                    1025, 0).withHugePages(true, false, 4L << 20),
                Mapping.withDetails(0x7f0000600000L, 0x7f0000800000L, Protection.READ_WRITE, false, false, true,
                    2, 0).withHugePages(false, true, 0)),
            ProcMaps.parseSmaps(smaps, 0, Long.MAX_VALUE, 4096));
    }
}
