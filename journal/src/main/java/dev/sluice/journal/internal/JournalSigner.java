package dev.sluice.journal.internal;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The Ed25519 key that signs the journal's chain heads ({@code journal.signing_key_file}). It lives outside the
 * journal directory: someone who can rewrite the journal but cannot read this file cannot recompute a chain and
 * sign it. The file holds two lines, {@code public <base64 X.509>} and {@code private <base64 PKCS#8>}, and is
 * created readable by its owner only (0600) on first use; a {@code .pub} file beside it holds the public line
 * alone, for auditors who verify a journal elsewhere.
 * <p>
 * Thread-safe: each signature uses a {@link Signature} of its own (seals are rare).
 */
public final class JournalSigner {
    /** Bytes of an Ed25519 signature. */
    public static final int SIGNATURE_BYTES = 64;
    /** Bytes of the key fingerprint written into every seal: the start of the SHA-256 of the public key. */
    public static final int FINGERPRINT_BYTES = 8;

    private static final String ALGORITHM = "Ed25519";
    private static final String HEADER = "# Sluice journal signing key (Ed25519). Keep it secret, keep it outside the journal.";

    private final PublicKey publicKey;
    private final PrivateKey privateKey;
    private final byte[] fingerprint;

    private JournalSigner(PublicKey publicKey, PrivateKey privateKey) {
        this.publicKey = publicKey;
        this.privateKey = privateKey;
        this.fingerprint = fingerprintOf(publicKey);
    }

    /**
     * Loads the key in {@code file}, creating it (0600, and its {@code .pub} twin) when it does not exist.
     *
     * @throws IOException when the file cannot be read or written, or does not hold a key
     */
    public static JournalSigner loadOrCreate(Path file) throws IOException {
        requireNonNull(file, "file");
        if (!Files.exists(file)) {
            try {
                create(file);
            } catch (FileAlreadyExistsException e) {
                // Created concurrently by another gateway sharing the path: read theirs.
            }
        }
        return load(file);
    }

    /**
     * Loads a key file; one that holds only the public line verifies but cannot sign.
     *
     * @throws IOException when the file cannot be read or does not hold a key
     */
    public static JournalSigner load(Path file) throws IOException {
        requireNonNull(file, "file");
        PublicKey pub = null;
        PrivateKey priv = null;
        List<String> lines = Files.readAllLines(file, US_ASCII);
        try {
            KeyFactory factory = KeyFactory.getInstance(ALGORITHM);
            for (String line : lines) {
                String trimmed = line.trim();
                if (trimmed.startsWith("public ")) {
                    pub = factory.generatePublic(new X509EncodedKeySpec(decode(trimmed.substring(7))));
                } else if (trimmed.startsWith("private ")) {
                    priv = factory.generatePrivate(new PKCS8EncodedKeySpec(decode(trimmed.substring(8))));
                }
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("signing key: " + file + " does not hold an Ed25519 key (" + e.getMessage() + ")", e);
        }
        if (pub == null) {
            throw new IOException("signing key: " + file + " (expected: a line 'public <base64>')");
        }
        return new JournalSigner(pub, priv);
    }

    private static byte[] decode(String base64) {
        return Base64.getDecoder().decode(base64.trim());
    }

    private static void create(Path file) throws IOException {
        KeyPair pair;
        try {
            pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IOException("signing key: this JDK cannot make Ed25519 keys", e);
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Partitions.createPrivateDirectory(parent);
        }
        String publicLine = "public " + Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()) + "\n";
        String text = HEADER + "\n" + publicLine
            + "private " + Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()) + "\n";
        boolean posix = file.getFileSystem().supportedFileAttributeViews().contains("posix");
        if (posix) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(file);
        }
        Files.write(file, text.getBytes(US_ASCII), StandardOpenOption.TRUNCATE_EXISTING);
        Path pub = file.resolveSibling(file.getFileName() + ".pub");
        Files.write(pub, publicLine.getBytes(US_ASCII));
    }

    /** Whether this key can sign (the file held the private line). */
    public boolean canSign() {
        return privateKey != null;
    }

    /** The start of the SHA-256 of the public key, as written into every seal. */
    public byte[] fingerprint() {
        return fingerprint.clone();
    }

    /** The fingerprint itself, not a copy: for the writers, which must not allocate. */
    byte[] fingerprintBytes() {
        return fingerprint;
    }

    /** Whether {@code src[offset, offset + FINGERPRINT_BYTES)} is this key's fingerprint. */
    public boolean hasFingerprint(byte[] src, int offset) {
        return Arrays.equals(fingerprint, 0, FINGERPRINT_BYTES, src, offset, offset + FINGERPRINT_BYTES);
    }

    /**
     * Signs a chain head.
     *
     * @throws IllegalStateException when this key cannot sign
     */
    public byte[] sign(long wallTimeMicros, int reason, byte[] head) {
        if (privateKey == null) {
            throw new IllegalStateException("signing key: only the public key is loaded (expected: the private key)");
        }
        try {
            Signature signature = Signature.getInstance(ALGORITHM);
            signature.initSign(privateKey);
            signature.update(signedBytes(wallTimeMicros, reason, head));
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing key: cannot sign", e);
        }
    }

    /** Whether {@code sig} is this key's signature of the chain head. */
    public boolean verify(long wallTimeMicros, int reason, byte[] head, byte[] sig) {
        try {
            Signature signature = Signature.getInstance(ALGORITHM);
            signature.initVerify(publicKey);
            signature.update(signedBytes(wallTimeMicros, reason, head));
            return signature.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static byte[] signedBytes(long wallTimeMicros, int reason, byte[] head) {
        byte[] domain = "sluice-journal-seal-1".getBytes(US_ASCII);
        return ByteBuffer.allocate(domain.length + 9 + head.length).order(ByteOrder.LITTLE_ENDIAN)
            .put(domain).putLong(wallTimeMicros).put((byte) reason).put(head).array();
    }

    private static byte[] fingerprintOf(PublicKey key) {
        try {
            return Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()), FINGERPRINT_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
