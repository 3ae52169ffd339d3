package io.vmarena.vm.support;

import io.vmarena.vm.AddressSpace;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * An address space that runs {@link AddressSpace}'s default methods (its own residency, say)
 * over another's abstract ones, so a contract can hold a backend's override to the default.
 */
public final class DefaultMethods {
    private DefaultMethods() {
    }

    public static AddressSpace over(final AddressSpace delegate) {
        final InvocationHandler handler = (proxy, method, arguments) -> {
            if (method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, arguments);
            }
            try {
                return method.invoke(delegate, arguments);
            } catch (final InvocationTargetException thrown) {
                throw thrown.getCause();
            }
        };
        return (AddressSpace)Proxy.newProxyInstance(AddressSpace.class.getClassLoader(),
            new Class<?>[] {AddressSpace.class}, handler);
    }
}
