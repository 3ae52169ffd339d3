package io.vmarena;

/**
 * Keeps readers away from memory while it moves: {@link #close()} returns once no reader can
 * still be using an address into the arena, and keeps new readers waiting until
 * {@link #open()}. A confined arena has one thread, which cannot read while it moves, so its
 * gate does nothing.
 */
interface MoveGate {
    MoveGate NONE = new MoveGate() {
        @Override
        public void close() {
        }

        @Override
        public void open() {
        }
    };

    void close();

    void open();
}
