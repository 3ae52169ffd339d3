package io.vmarena.examples;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --backend linux|sim}, a picocli mixin of every command that touches memory. Without
 * it a command runs on {@link AddressSpaces#system()} (so {@code -Dvmarena.backend} still
 * works); with it, on a backend of its own, and a backend that cannot work here is an error,
 * not a fallback.
 */
final class BackendOption {
    @Option(names = "--backend", paramLabel = "linux|sim", converter = BackendName.class,
        description = "the address space to run on: linux (this kernel) or sim (the simulator, in this process's "
            + "memory: its times are a model's); default -Dvmarena.backend, else this OS's")
    private String name;

    /**
     * The address space the command asked for.
     *
     * @throws IllegalStateException when that backend cannot work here (the message says why)
     */
    AddressSpace open() {
        return name == null ? AddressSpaces.system() : AddressSpaces.open(name);
    }

    /** Refuses any name but the two backends', before anything runs. */
    static final class BackendName implements ITypeConverter<String> {
        @Override
        public String convert(final String value) {
            if (!value.equals("linux") && !value.equals("sim")) {
                throw new TypeConversionException("--backend takes linux or sim, got '" + value + "'");
            }
            return value;
        }
    }
}
