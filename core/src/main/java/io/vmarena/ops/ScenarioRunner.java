package io.vmarena.ops;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Errno;
import io.vmarena.vm.FaultObserver;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.RemapFlags;
import io.vmarena.vm.VmException;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs one {@link Script} on an {@link AddressSpace} and returns its transcript: for each
 * operation {@code > } and its tokens, then its result (docs/DESIGN.md, "Transcript").
 */
final class ScenarioRunner {
    private final AddressSpace space;

    ScenarioRunner(final AddressSpace space) {
        this.space = space;
    }

    List<String> run(final Script script) {
        final List<String> transcript = new ArrayList<>();
        transcript.add("> " + script.windowText());
        try (ScenarioWindow window = new ScenarioWindow(space, script.windowPages())) {
            transcript.add("ok");
            final long lockedAtStart = space.lockedBytes();
            final Execution execution = new Execution(window, script.windowPages(), lockedAtStart);
            for (final Operation operation : script.operations()) {
                transcript.add("> " + operation.text);
                transcript.addAll(execution.run(operation));
            }
        }
        return transcript;
    }

    /** One run's state: the window and the VmLck baseline. */
    private final class Execution {
        private final ScenarioWindow window;
        private final long windowPages;
        private final long lockedAtStart;
        private final long pageSize;

        Execution(final ScenarioWindow window, final long windowPages, final long lockedAtStart) {
            this.window = window;
            this.windowPages = windowPages;
            this.lockedAtStart = lockedAtStart;
            this.pageSize = window.pageSize();
        }

        List<String> run(final Operation op) {
            try {
                switch (op.kind) {
                    case MAPS:
                        return maps();
                    case LOCKED:
                        return List.of(Long.toString((space.lockedBytes() - lockedAtStart) / pageSize));
                    case TOUCH:
                    case FILL:
                    case CHECK:
                        return List.of(access(op));
                    case REMAP:
                        return List.of(remap(op));
                    default:
                        call(op);
                        return List.of("ok");
                }
            } catch (final VmException failure) {
                return List.of(failure.errno() == Errno.UNKNOWN ? "errno " + failure.errnoValue()
                    : failure.errno().name());
            }
        }

        private void call(final Operation op) {
            final long address = window.address(op.pageIndex);
            final long lengthBytes = op.pageCount * pageSize;
            switch (op.kind) {
                case MAP:
                    space.map(address, lengthBytes, op.protection, MapFlags.FIXED);
                    break;
                case UNMAP:
                    space.unmap(address, lengthBytes);
                    break;
                case PROTECT:
                    space.protect(address, lengthBytes, op.protection);
                    break;
                case MOVE:
                    space.remap(address, lengthBytes, lengthBytes, RemapFlags.MAYMOVE | RemapFlags.FIXED,
                        window.address(op.targetPageIndex));
                    break;
                case LOCK:
                    space.lock(address, lengthBytes, op.onFault ? LockMode.ON_FAULT : LockMode.POPULATE);
                    break;
                case UNLOCK:
                    space.unlock(address, lengthBytes);
                    break;
                case ADVISE:
                    space.advise(address, lengthBytes, op.advice);
                    break;
                default:
                    throw new IllegalStateException("not a plain call: " + op.kind);
            }
        }

        /** {@code ok} when the memory stayed at W+P or went to the named W+Q; else {@code moved}. */
        private String remap(final Operation op) {
            final long address = window.address(op.pageIndex);
            final int flags = (op.mayMove ? RemapFlags.MAYMOVE : 0) | (op.fixed ? RemapFlags.FIXED : 0)
                | (op.dontUnmap ? RemapFlags.DONTUNMAP : 0);
            // M is passed as it is; past 2^63 bytes the multiplication saturates to a length the
            // kernel refuses as the real one would be refused (beyond TASK_SIZE: EINVAL).
            final long newLengthBytes = op.newPageCount > Long.MAX_VALUE / pageSize ? Long.MAX_VALUE & -pageSize
                : op.newPageCount * pageSize;
            final long result = space.remap(address, op.pageCount * pageSize, newLengthBytes, flags,
                op.fixed ? window.address(op.targetPageIndex) : 0);
            if (op.fixed || result == address) {
                return "ok";
            }
            // The kernel put it outside the window, at an address the script cannot name.
            space.unmap(result, newLengthBytes);
            return "moved";
        }

        private String access(final Operation op) {
            final long address = window.address(op.pageIndex);
            final long lengthBytes = op.pageCount * pageSize;
            final boolean write = op.kind != OpKind.CHECK;
            if (!accessible(address, lengthBytes, write)) {
                return "SIGSEGV";
            }
            if (lengthBytes == 0) {
                return "ok";
            }
            final UnsafeBuffer pages = new UnsafeBuffer(address, Math.toIntExact(lengthBytes));
            switch (op.kind) {
                case TOUCH:
                    for (long page = 0; page < op.pageCount; page++) {
                        pages.putByte((int)(page * pageSize), (byte)1);
                        written(address + page * pageSize, 1);
                    }
                    return "ok";
                case FILL:
                    for (long page = 0; page < op.pageCount; page++) {
                        fillPage(pages, page, op.seed);
                        written(address + page * pageSize, pageSize);
                    }
                    return "ok";
                default:
                    final long differing = firstDifferingPage(pages, address, op.pageCount, op.seed);
                    return differing < 0 ? "ok" : "differs at page " + (op.pageIndex + differing);
            }
        }

        /** Byte j of page i (counted from P) is {@code (SEED + 31*i + j) & 0xFF}. */
        private void fillPage(final UnsafeBuffer pages, final long page, final int seed) {
            final int base = (int)(page * pageSize);
            for (int j = 0; j < pageSize; j++) {
                pages.putByte(base + j, (byte)(seed + 31 * page + j));
            }
        }

        /** Reads page by page up to the first that differs: only the pages read are read-faulted. */
        private long firstDifferingPage(final UnsafeBuffer pages, final long address, final long pageCount,
            final int seed) {
            for (long page = 0; page < pageCount; page++) {
                final int base = (int)(page * pageSize);
                read(address + base, pageSize);
                for (int j = 0; j < pageSize; j++) {
                    if (pages.getByte(base + j) != (byte)(seed + 31 * page + j)) {
                        return page;
                    }
                }
            }
            return -1;
        }

        private void written(final long address, final long lengthBytes) {
            if (space instanceof FaultObserver) {
                ((FaultObserver)space).written(address, lengthBytes);
            }
        }

        /** Tells a simulator what was read: without the zero page, a read fault allocates. */
        private void read(final long address, final long lengthBytes) {
            if (space instanceof FaultObserver) {
                ((FaultObserver)space).read(address, lengthBytes);
            }
        }

        /** Whether every page is mapped with read (and, to write, write) access. */
        private boolean accessible(final long address, final long lengthBytes, final boolean write) {
            long position = address;
            final long end = address + lengthBytes;
            for (final Mapping vma : space.mappings(address, end, MappingSource.AUTO)) {
                final boolean allowed = write ? vma.protection().canWrite() : vma.protection().canRead();
                if (vma.startAddress() > position || !allowed) {
                    return false;
                }
                position = vma.endAddress();
            }
            return position >= end;
        }

        /** One line per VMA that intersects the window, clipped to it, or {@code (none)}. */
        private List<String> maps() {
            final long from = window.address(0);
            final long to = window.address(windowPages);
            final List<String> lines = new ArrayList<>();
            for (final Mapping vma : space.mappings(from, to, MappingSource.SMAPS)) {
                final long start = Math.max(vma.startAddress(), from);
                final long end = Math.min(vma.endAddress(), to);
                lines.add("[" + (start - from) / pageSize + ", " + (end - from) / pageSize + ") "
                    + vma.protection().symbol() + " rss=" + vma.residentPages()
                    + (vma.locked() ? " locked" : "") + (vma.lockOnFault() ? " onfault" : "")
                    + (vma.noReserve() ? " noreserve" : ""));
            }
            return lines.isEmpty() ? List.of("(none)") : lines;
        }
    }
}
