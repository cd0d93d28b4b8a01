package dev.sluice.journal.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.OptionalLong;

/**
 * The {@code gateway.pid} file in a journal directory: present while a gateway holds the journal open. Readers
 * use it to tell a request that is still in flight from one whose gateway died. It holds the pid and, when the
 * platform knows it, the process start time in epoch milliseconds, so a pid reused after a reboot (common in
 * containers) is not mistaken for the gateway.
 * <p>
 * Thread-safe (stateless).
 */
public final class GatewayPidFile {
    /** File name inside the journal directory. */
    public static final String FILE_NAME = "gateway.pid";

    private GatewayPidFile() {
    }

    /** Writes the current process id, atomically (write then rename). */
    public static void writeCurrent(Path journalDir) throws IOException {
        Path target = journalDir.resolve(FILE_NAME);
        Path tmp = journalDir.resolve(FILE_NAME + ".tmp");
        ProcessHandle self = ProcessHandle.current();
        String start = self.info().startInstant().map(i -> " " + i.toEpochMilli()).orElse("");
        Files.write(tmp, (self.pid() + start + "\n").getBytes(StandardCharsets.US_ASCII));
        PrivateFiles.restrict(tmp);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Deletes the file if it names the current process. */
    public static void deleteIfCurrent(Path journalDir) throws IOException {
        OptionalLong pid = read(journalDir);
        if (pid.isPresent() && pid.getAsLong() == ProcessHandle.current().pid()) {
            Files.deleteIfExists(journalDir.resolve(FILE_NAME));
        }
    }

    /** The pid in the file, or empty when there is no file or it does not hold a number. */
    public static OptionalLong read(Path journalDir) {
        try {
            String[] fields = fields(journalDir);
            return OptionalLong.of(Long.parseLong(fields[0]));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * Whether a live gateway holds the journal: the file names a process that is running (not a zombie) and, when
     * the file records a start time, started at that time.
     */
    public static boolean isHeldByLiveProcess(Path journalDir) {
        String[] fields;
        long pid;
        try {
            fields = fields(journalDir);
            pid = Long.parseLong(fields[0]);
        } catch (IOException | NumberFormatException e) {
            return false;
        }
        if (!isAlive(pid)) {
            return false;
        }
        if (fields.length < 2) {
            return true;
        }
        OptionalLong recordedStart = parse(fields[1]);
        OptionalLong actualStart = ProcessHandle.of(pid).flatMap(h -> h.info().startInstant())
            .map(i -> OptionalLong.of(i.toEpochMilli())).orElse(OptionalLong.empty());
        if (recordedStart.isEmpty() || actualStart.isEmpty()) {
            return true;
        }
        // Start times come from the same source on both sides; allow for rounding of the boot-relative clock.
        return Math.abs(recordedStart.getAsLong() - actualStart.getAsLong()) < 2_000;
    }

    private static String[] fields(Path journalDir) throws IOException {
        return Files.readString(journalDir.resolve(FILE_NAME), StandardCharsets.US_ASCII).trim().split("\\s+");
    }

    private static OptionalLong parse(String text) {
        try {
            return OptionalLong.of(Long.parseLong(text));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Whether {@code pid} is a running process, per {@code /proc/<pid>/stat} where there is a /proc. */
    public static boolean isAlive(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        if (Files.isDirectory(Path.of("/proc/self"))) {
            try {
                String text = Files.readString(stat, StandardCharsets.US_ASCII);
                // Format: "pid (comm) state ...": the state follows the last ')'; Z and X are dead.
                int close = text.lastIndexOf(')');
                char state = close >= 0 && close + 2 < text.length() ? text.charAt(close + 2) : '?';
                return state != 'Z' && state != 'X';
            } catch (IOException e) {
                return false;
            }
        }
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
