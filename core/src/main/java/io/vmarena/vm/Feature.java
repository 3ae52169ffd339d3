package io.vmarena.vm;

/**
 * One capability of an address space: whether it is there and why. A feature found absent
 * always carries its reason ("the kernel refused a move across two VMAs with EFAULT"), so
 * that no fallback is ever silent.
 *
 * @param available whether the address space has it
 * @param reason how it was found out, and when absent, why
 */
public record Feature(boolean available, String reason) {
    public Feature {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("a feature needs the reason it is or is not available");
        }
    }

    public static Feature present(final String reason) {
        return new Feature(true, reason);
    }

    public static Feature absent(final String reason) {
        return new Feature(false, reason);
    }
}
