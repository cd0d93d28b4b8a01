package dev.sluice.codec.redact.internal;

/**
 * The bytes of a text view as a {@link CharSequence} for custom patterns, one char per byte (ISO-8859-1), so that
 * match positions are byte positions. A UTF-8 sequence reads as its bytes: a custom pattern matches ASCII as written.
 * <p>
 * Confined to one thread.
 */
final class ByteChars implements CharSequence {
    private byte[] bytes;
    private int length;

    void set(byte[] b, int len) {
        this.bytes = b;
        this.length = len;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public char charAt(int index) {
        if (index < 0 || index >= length) {
            throw new IndexOutOfBoundsException("index: " + index + " (expected: 0 <= index < " + length + ")");
        }
        return (char) (bytes[index] & 0xFF);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return toString().substring(start, end);
    }

    @Override
    public String toString() {
        char[] c = new char[length];
        for (int i = 0; i < length; i++) {
            c[i] = (char) (bytes[i] & 0xFF);
        }
        return new String(c);
    }
}
