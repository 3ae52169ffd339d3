package io.vmarena.vm;

/**
 * What one {@link RangeMover#move} did.
 *
 * @param strategy the strategy that ran ({@link MoveStrategy#AUTO} resolved)
 * @param systemCalls memory-management calls made: {@code mremap}s, or for COPY the
 *     {@code mmap}/{@code mprotect}/{@code mlock2}/{@code munmap} calls; discovery not counted
 * @param vmasMoved source VMAs moved, or -1 when the strategy did not look (MULTI_VMA without a
 *     known layout: counting would cost a discovery the kernel does not need)
 * @param bytesCopied bytes copied through the CPU: 0 except for COPY
 */
public record MoveResult(MoveStrategy strategy, int systemCalls, int vmasMoved, long bytesCopied) {
}
