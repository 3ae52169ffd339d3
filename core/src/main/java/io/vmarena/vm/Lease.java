package io.vmarena.vm;

import java.util.Objects;

/**
 * A token that holds ranges of an {@link AddressSpace} for one holder (an arena): while a range
 * is held, the address space changes it only for calls made through
 * {@link AddressSpace#actingFor(Lease) actingFor(lease)}; every other call over it is refused
 * with an {@link IllegalArgumentException} that names the holder. A held range stays the address
 * space's own while it is held, mapped or not (its holes stay usable, after the usual check that
 * no one else's mapping was placed there).
 *
 * <p>The token is the authority: whoever has it may change what it holds, so a holder keeps it
 * to itself. Identity is what counts; the name is only for messages.
 */
public final class Lease {
    private final String holderName;

    /** @param holderName the holder, as messages name it: {@code "arena 'cache'"} */
    public Lease(final String holderName) {
        this.holderName = Objects.requireNonNull(holderName, "holderName");
    }

    public String holderName() {
        return holderName;
    }

    @Override
    public String toString() {
        return holderName;
    }
}
