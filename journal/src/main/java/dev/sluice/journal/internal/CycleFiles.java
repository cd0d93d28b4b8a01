package dev.sluice.journal.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.text.ParseException;
import java.text.SimpleDateFormat;
import java.util.Date;
import java.util.NavigableMap;
import java.util.TimeZone;
import java.util.TreeMap;
import java.util.stream.Stream;

import net.openhft.chronicle.queue.RollCycle;

/**
 * The roll cycle files of one queue directory, by cycle: Chronicle names a cycle's file by the UTC start time of
 * the cycle in the roll cycle's format, with the {@value #SUFFIX} suffix (queues built with epoch 0, as the
 * journal's are).
 * <p>
 * Thread-safe (stateless).
 */
public final class CycleFiles {
    /** The suffix of a cycle file. */
    public static final String SUFFIX = ".cq4";
    /** A trimmed cycle file's length is a multiple of this (a page of most file systems, times 16). */
    public static final int TRIM_ALIGN_BYTES = 64 * 1024;

    private CycleFiles() {
    }

    /** The cycle files in {@code queueDir}, by cycle; files whose name is not a cycle of {@code rollCycle} are left out. */
    public static NavigableMap<Integer, Path> list(Path queueDir, RollCycle rollCycle) throws IOException {
        SimpleDateFormat format = format(rollCycle);
        NavigableMap<Integer, Path> cycles = new TreeMap<>();
        try (Stream<Path> files = Files.list(queueDir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (!name.endsWith(SUFFIX) || !Files.isRegularFile(file)) {
                    continue;
                }
                String stem = name.substring(0, name.length() - SUFFIX.length());
                try {
                    long startMs = format.parse(stem).getTime();
                    int cycle = (int) (startMs / lengthMs(rollCycle));
                    if (fileName(rollCycle, cycle).equals(name)) {
                        cycles.put(cycle, file);
                    }
                } catch (ParseException e) {
                    // Not a cycle file of this roll cycle.
                }
            }
        }
        return cycles;
    }

    /** The file name of {@code cycle}. */
    public static String fileName(RollCycle rollCycle, int cycle) {
        return format(rollCycle).format(new Date(cycle * lengthMs(rollCycle))) + SUFFIX;
    }

    /**
     * Cuts the zero tail Chronicle preallocates off a cycle file no one writes any more: keeps everything up to its
     * last non-zero byte, rounded up to {@value #TRIM_ALIGN_BYTES} bytes. Answers the new length.
     */
    public static long trim(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long used = usedBytes(channel);
            long length = Math.min(channel.size(), (used + TRIM_ALIGN_BYTES - 1) / TRIM_ALIGN_BYTES * TRIM_ALIGN_BYTES);
            channel.truncate(length);
            channel.force(true);
            return length;
        }
    }

    /**
     * The bytes a cycle file holds: up to its last non-zero byte. Chronicle preallocates a file far larger than its
     * records (sparse, so its length says little of what it stores); this is what it stores.
     */
    public static long usedBytes(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return usedBytes(channel);
        }
    }

    private static long usedBytes(FileChannel channel) throws IOException {
        long end = channel.size();
        ByteBuffer block = ByteBuffer.allocate(TRIM_ALIGN_BYTES);
        while (end > 0) {
            long start = Math.max(0, end - TRIM_ALIGN_BYTES);
            block.clear().limit((int) (end - start));
            while (block.hasRemaining() && channel.read(block, start + block.position()) >= 0) {
                // read the whole block
            }
            for (int i = block.position() - 1; i >= 0; i--) {
                if (block.get(i) != 0) {
                    return start + i + 1;
                }
            }
            end = start;
        }
        return 0;
    }

    /** The length of one cycle, in milliseconds. */
    public static long lengthMs(RollCycle rollCycle) {
        // style-exception(unitSuffix): Chronicle's own name.
        return rollCycle.lengthInMillis();
    }

    private static SimpleDateFormat format(RollCycle rollCycle) {
        SimpleDateFormat format = new SimpleDateFormat(rollCycle.format());
        format.setTimeZone(TimeZone.getTimeZone("UTC"));
        format.setLenient(false);
        return format;
    }
}
