package io.vmarena.linux;

import com.sun.jna.LastErrorException;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import io.vmarena.vm.Errno;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Protection;
import io.vmarena.vm.VmException;

/**
 * Runs in a child JVM without CAP_IPC_LOCK and with a small RLIMIT_MEMLOCK (see
 * {@link UnprivilegedLockTest}). Each argument is a step; each prints one line
 * {@code step -> ok} or {@code step -> ERRNO: message}.
 * <ul>
 *   <li>{@code caps}: prints whether the probe found CAP_IPC_LOCK and the soft limit</li>
 *   <li>{@code lock:PAGES:MODE}: maps PAGES pages and locks them (MODE onfault or populate)</li>
 *   <li>{@code lockflags:FLAGS}: raw mlock2 of one page with FLAGS</li>
 *   <li>{@code grow-locked:PAGES:NEWPAGES}: locks PAGES pages on fault, then grows them in place</li>
 * </ul>
 */
public final class UnprivilegedChild {
    private UnprivilegedChild() {
    }

    public static void main(final String[] args) {
        final AddressSpace space = AddressSpaces.open("linux");
        for (final String step : args) {
            System.out.println(step + " -> " + run(space, step.split(":")));
        }
    }

    private static String run(final AddressSpace space, final String[] step) {
        final long page = space.pageSize();
        switch (step[0]) {
            case "caps":
                return "ipcLock=" + space.capabilities().ipcLock().available() + " memlockSoft="
                    + space.capabilities().memlockSoftBytes();
            case "lock": {
                final long bytes = Long.parseLong(step[1]) * page;
                final long address = space.map(0, bytes, Protection.READ_WRITE, MapFlags.NONE);
                try {
                    space.lock(address, bytes, step[2].equals("onfault") ? LockMode.ON_FAULT : LockMode.POPULATE);
                    return "ok";
                } catch (final VmException e) {
                    return e.errno() + ": " + e.getMessage();
                } finally {
                    space.unmap(address, bytes);
                }
            }
            case "lockflags": {
                final long address = space.map(0, page, Protection.READ_WRITE, MapFlags.NONE);
                try {
                    Mlock2.mlock2(address, page, Integer.parseInt(step[1]));
                    return "ok";
                } catch (final LastErrorException e) {
                    return Errno.of(e.getErrorCode()) + ": raw mlock2";
                } finally {
                    space.unmap(address, page);
                }
            }
            case "grow-locked": {
                final long bytes = Long.parseLong(step[1]) * page;
                final long newBytes = Long.parseLong(step[2]) * page;
                final long address = space.reserve(newBytes);
                try {
                    space.unmap(address + bytes, newBytes - bytes);
                    space.map(address, bytes, Protection.READ_WRITE, MapFlags.FIXED);
                    space.lock(address, bytes, LockMode.ON_FAULT);
                    space.remap(address, bytes, newBytes, 0, 0);
                    return "ok";
                } catch (final VmException e) {
                    return e.errno() + ": " + e.getMessage();
                } finally {
                    space.unmap(address, newBytes);
                }
            }
            default:
                throw new IllegalArgumentException("unknown step " + String.join(":", step));
        }
    }
}
