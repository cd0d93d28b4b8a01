package dev.sluice.mock;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A raw HTTP/1.1 client for the tests: sends one request on a socket and reads the answer incrementally, keeping
 * every chunk with the nanoTime it arrived at, and how the answer ended (complete, EOF, reset).
 */
final class RawHttp implements AutoCloseable {
    final Socket socket;
    private final InputStream in;
    long sentAtNs;

    RawHttp(final int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 30_000);
        socket.setSoTimeout(30_000);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
    }

    /** Sends a request; {@code body} may be null. */
    RawHttp send(final String method, final String path, final Map<String, String> headers, final String body)
        throws IOException {
        final byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        final StringBuilder sb = new StringBuilder().append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
            .append("Host: 127.0.0.1\r\n");
        for (final Map.Entry<String, String> h : headers.entrySet()) {
            sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        if (body != null) {
            sb.append("Content-Type: application/json\r\nContent-Length: ").append(bytes.length).append("\r\n");
        }
        sb.append("\r\n");
        final OutputStream out = socket.getOutputStream();
        out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        sentAtNs = System.nanoTime();
        return this;
    }

    /** Reads the status line and headers. */
    Response readHead() throws IOException {
        final Response r = new Response();
        final String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed before a status line");
        }
        r.status = Integer.parseInt(statusLine.split(" ")[1]);
        String l;
        while ((l = line()) != null && !l.isEmpty()) {
            final int colon = l.indexOf(':');
            r.headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
        }
        return r;
    }

    /** Reads a whole answer: head and body, noting how the body ended. */
    Response read() throws IOException {
        final Response r = readHead();
        readBody(r);
        return r;
    }

    /** Reads the body of {@code r} (chunked or content-length). */
    void readBody(final Response r) throws IOException {
        try {
            if ("chunked".equalsIgnoreCase(r.headers.get("transfer-encoding"))) {
                while (true) {
                    final String sizeLine = line();
                    if (sizeLine == null) {
                        r.ending = Ending.EOF;
                        return;
                    }
                    final int size = Integer.parseInt(sizeLine.trim(), 16);
                    if (size == 0) {
                        line();
                        r.ending = Ending.COMPLETE;
                        return;
                    }
                    final byte[] chunk = in.readNBytes(size);
                    if (chunk.length < size) {
                        r.chunks.add(new Chunk(System.nanoTime(), chunk));
                        r.ending = Ending.EOF;
                        return;
                    }
                    r.chunks.add(new Chunk(System.nanoTime(), chunk));
                    line();
                }
            }
            final int length = Integer.parseInt(r.headers.getOrDefault("content-length", "0"));
            final byte[] body = in.readNBytes(length);
            r.chunks.add(new Chunk(System.nanoTime(), body));
            r.ending = body.length == length ? Ending.COMPLETE : Ending.EOF;
        } catch (final java.net.SocketException e) {
            r.ending = Ending.RESET;
        }
    }

    private String line() throws IOException {
        final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                final byte[] bytes = buf.toByteArray();
                final int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
            }
            buf.write(b);
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** How a body ended. */
    enum Ending { COMPLETE, EOF, RESET }

    /** One chunk and its arrival time. */
    record Chunk(long atNs, byte[] bytes) {
        String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** A read answer. */
    static final class Response {
        int status;
        final Map<String, String> headers = new LinkedHashMap<>();
        final List<Chunk> chunks = new ArrayList<>();
        Ending ending;

        String body() {
            final StringBuilder sb = new StringBuilder();
            for (final Chunk c : chunks) {
                sb.append(c.text());
            }
            return sb.toString();
        }
    }
}
