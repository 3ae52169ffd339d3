/**
 * The address-space interface between the allocator and an operating system, its value types,
 * its errors, range moves and the capability model.
 *
 * <h2>Glossary</h2>
 * Every name in vmarena says what kind of quantity it holds and in which unit. A bare
 * {@code size}, {@code len} or {@code n} is never used.
 * <dl>
 *   <dt>{@code address}</dt>
 *   <dd>An absolute virtual address in the process, in bytes ({@code long}, compared unsigned
 *       where it matters). {@code fromAddress}/{@code toAddress} are the source and destination
 *       of a move; {@code startAddress}/{@code endAddress} bound a half-open range
 *       {@code [start, end)}.</dd>
 *   <dt>{@code offset}</dt>
 *   <dd>A distance in bytes from a named base ({@code segmentOffset} from a segment's start).</dd>
 *   <dt>{@code lengthBytes}</dt>
 *   <dd>A length in bytes. System calls round lengths up to whole pages; the interface passes
 *       them through unchanged so that the kernel's rounding rules apply.</dd>
 *   <dt>{@code pageCount}, {@code pageIndex}</dt>
 *   <dd>A number of OS pages, or a page's position counted from a named base. <em>Page</em>
 *       always means the OS page of {@link io.vmarena.vm.AddressSpace#pageSize()}: 4, 16 or
 *       64 KiB. Nothing assumes 4 KiB.</dd>
 *   <dt>{@code pmdBytes}, {@code pudBytes}</dt>
 *   <dd>The span of one page-middle-directory (the huge-page size: 2 MiB with 4 KiB pages)
 *       and of one page-upper-directory (1 GiB with 4 KiB pages). Moves between addresses
 *       congruent modulo these sizes move whole page-table levels and cost microseconds.</dd>
 *   <dt>VMA, {@code vmaCount}</dt>
 *   <dd>A kernel virtual memory area: a maximal run of pages with the same protection, lock
 *       state and backing, reported as a {@link io.vmarena.vm.Mapping}.</dd>
 *   <dt>{@code segment}, {@code segmentIndex}</dt>
 *   <dd>The allocator's unit of relocation (2 MiB by default), never a synonym for page.</dd>
 *   <dt>{@code handle}</dt>
 *   <dd>A non-zero {@code long} naming an allocation; 0 is the null handle.</dd>
 *   <dt>errno</dt>
 *   <dd>A kernel error number, typed as {@link io.vmarena.vm.Errno} and carried by
 *       {@link io.vmarena.vm.VmException}.</dd>
 * </dl>
 */
package io.vmarena.vm;
