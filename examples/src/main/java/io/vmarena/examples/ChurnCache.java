package io.vmarena.examples;

/**
 * What cache-churn's load drives: a map from {@code long} key to a value of bytes, stored off
 * the Java heap by one contender. Single-threaded (the child's main thread); a cache may run
 * threads of its own (vmarena's background compaction).
 */
interface ChurnCache extends AutoCloseable {
    /** Stores {@code value[0, lengthBytes)} under {@code key}, replacing (and freeing) any value it had. */
    void put(long key, byte[] value, int lengthBytes);

    /**
     * Copies the value of {@code key} into {@code destination} (large enough for any value).
     *
     * @return its length in bytes, or -1 when the key has none
     */
    int get(long key, byte[] destination);

    /** Removes the key's value and frees its memory; the key must have one. */
    void remove(long key);

    /** After a burst of evictions: what a user of this cache would call to give memory back (often nothing). */
    void afterBurst();

    /**
     * The bytes of the cache's own memory in RAM as measured (vmarena: its arena's
     * {@code residency().residentBytes()}, smaps' Rss of its range), or -1 when it has none: beside
     * the RSS, which also holds the JVM's own ups and downs.
     */
    default long residentBytes() {
        return -1;
    }

    /** One line of the cache's own figures, for the report; empty when it has none. */
    String describe();

    @Override
    void close();
}
