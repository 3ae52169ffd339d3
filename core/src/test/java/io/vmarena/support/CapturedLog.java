package io.vmarena.support;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What one logger published while it was open (System.Logger goes to java.util.logging here):
 * for tests that a warning is given, and given once. Close it to stop listening.
 */
public final class CapturedLog extends Handler implements AutoCloseable {
    public final List<LogRecord> records = new ArrayList<>();
    private final Logger logger;

    public CapturedLog(final String loggerName) {
        logger = Logger.getLogger(loggerName);
        logger.addHandler(this);
    }

    @Override
    public synchronized void publish(final LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
