package dev.sluice.bench.compare.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Linux {@code /proc}: a process tree, its CPU time ({@code utime + stime} of {@code /proc/<pid>/stat}), its
 * resident memory ({@code VmRSS} of {@code /proc/<pid>/status}), and the machine's busy and idle jiffies. A process
 * that exits while being read counts as zero. Thread-safe (stateless).
 */
public final class ProcStats {
    /** Clock ticks per second of {@code /proc} CPU times: USER_HZ, 100 on every Linux this runs on. */
    public static final double CLOCK_TICKS_PER_SECOND = 100.0;
    private static final Path PROC = Path.of("/proc");

    private ProcStats() {
    }

    /** True when {@code /proc} can be read (Linux). */
    public static boolean available() {
        return Files.isReadable(PROC.resolve("stat"));
    }

    /** {@code root} and every live descendant. */
    public static List<Long> tree(long root) {
        Map<Long, List<Long>> children = new HashMap<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC)) {
            for (Path d : dirs) {
                String name = d.getFileName().toString();
                if (!isDigits(name)) {
                    continue;
                }
                String[] f = statFields(Long.parseLong(name));
                if (f != null) {
                    children.computeIfAbsent(Long.parseLong(f[1]), k -> new ArrayList<>()).add(Long.parseLong(name));
                }
            }
        } catch (IOException e) {
            return List.of(root);
        }
        List<Long> out = new ArrayList<>();
        out.add(root);
        for (int i = 0; i < out.size(); i++) {
            out.addAll(children.getOrDefault(out.get(i), List.of()));
        }
        return out;
    }

    /** CPU seconds (user + system) used so far by {@code pids}. */
    public static double cpuSeconds(Collection<Long> pids) {
        long ticks = 0;
        for (long pid : pids) {
            String[] f = statFields(pid);
            if (f != null) {
                // Fields after "(comm)": state is index 0, utime index 11, stime index 12 (proc(5) fields 14, 15).
                ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
            }
        }
        return ticks / CLOCK_TICKS_PER_SECOND;
    }

    /** Resident memory of {@code pids} in KiB ({@code VmRSS} summed). */
    public static long rssKb(Collection<Long> pids) {
        long kb = 0;
        for (long pid : pids) {
            try {
                for (String line : Files.readAllLines(PROC.resolve(pid + "/status"), StandardCharsets.US_ASCII)) {
                    if (line.startsWith("VmRSS:")) {
                        kb += Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                        break;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // The process ended between listing and reading.
            }
        }
        return kb;
    }

    /** The machine's jiffies from {@code /proc/stat}: {@code [total, idle + iowait]}. */
    public static long[] machineJiffies() {
        try {
            String first = Files.readAllLines(PROC.resolve("stat"), StandardCharsets.US_ASCII).get(0);
            String[] v = first.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < v.length; i++) {
                total += Long.parseLong(v[i]);
            }
            return new long[] {total, Long.parseLong(v[4]) + Long.parseLong(v[5])};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /** The busy fraction of the machine between two {@link #machineJiffies()} samples (0..1). */
    public static double busyFraction(long[] before, long[] after) {
        long total = after[0] - before[0];
        if (total <= 0) {
            return 0;
        }
        return 1.0 - (double) (after[1] - before[1]) / total;
    }

    /** The fields of {@code /proc/<pid>/stat} after the command name, or null when it is gone. */
    private static String[] statFields(long pid) {
        try {
            String s = Files.readString(PROC.resolve(pid + "/stat"), StandardCharsets.US_ASCII);
            int close = s.lastIndexOf(')');
            return s.substring(close + 2).trim().split(" ");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
