package dev.sluice.journal.internal;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

import net.openhft.chronicle.queue.impl.StoreFileListener;

/**
 * Keeps a journal's files readable by their owner only (RELIABILITY F5: the journal names users and teams).
 * Chronicle creates its queue files with the process umask, so each file is set to {@code 0600} when Chronicle
 * acquires it (a new cycle file at a roll included) and each directory is created {@code 0700}. Does nothing on a
 * file system without POSIX permissions.
 * <p>
 * Thread-safe (stateless): Chronicle calls the listener on the thread that acquires the cycle (the writer's).
 */
public final class PrivateFiles implements StoreFileListener {
    /** The listener to give every writing queue's builder. */
    public static final PrivateFiles LISTENER = new PrivateFiles();

    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");

    private PrivateFiles() {
    }

    @Override
    public boolean isActive() {
        return true;
    }

    @Override
    public void onAcquired(int cycle, File file) {
        try {
            restrict(file.toPath());
        } catch (IOException e) {
            throw new UncheckedIOException("journal: cannot make " + file + " private", e);
        }
    }

    @Override
    public void onReleased(int cycle, File file) {
        // Nothing to do: the file kept the permissions it got when acquired.
    }

    /** Sets {@code path} to {@code 0600} (a file) or {@code 0700} (a directory) unless it is already so. */
    public static void restrict(Path path) throws IOException {
        if (!path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        Set<PosixFilePermission> wanted = Files.isDirectory(path) ? DIRECTORY : FILE;
        try {
            if (!Files.getPosixFilePermissions(path).equals(wanted)) {
                Files.setPosixFilePermissions(path, wanted);
            }
        } catch (NoSuchFileException e) {
            // Not created yet (a cycle acquired for reading only) or deleted meanwhile: nothing to protect.
        }
    }
}
