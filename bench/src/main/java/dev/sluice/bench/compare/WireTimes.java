package dev.sluice.bench.compare;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * Answer times on the wire, from a packet capture of a gateway's port on loopback ({@code tcpdump -i lo -s 128
 * --time-stamp-precision=nano -w FILE 'tcp port P'}): for each response head the gateway sends, the time from the
 * last request bytes the client sent on that connection to the head's first packet, by the kernel's timestamps. So
 * the figure is the gateway's (its wake-up, its work, its write), not the load driver's, which shares a core with
 * the upstream on a small machine ({@code bench/overload --wire}). HTTP/1.1 without pipelining: one request at a
 * time per connection. Prints one JSON line: the 503 answers and the other answer heads, each with count and
 * p50/p99/p99.9/max in milliseconds. With WARMUP_S, answers to the requests sent in the first WARMUP_S seconds after
 * the capture's first request bytes are left out, as the load driver leaves out its warm-up ({@code --warmup}), so
 * both figures are of the same requests.
 * <p>
 * Usage: {@code SLUICE_BENCH_MAIN=dev.sluice.bench.compare.WireTimes ./sluice bench CAPTURE PORT [WARMUP_S]}
 */
public final class WireTimes {
    private static final int LINKTYPE_ETHERNET = 1;
    private static final int LINKTYPE_LINUX_SLL = 113;
    private static final byte[] HTTP = "HTTP/1.1 ".getBytes(StandardCharsets.US_ASCII);

    /** Answer times in nanoseconds: 503s, and all other answer heads. */
    final Histogram refused = new Histogram(3);
    final Histogram answered = new Histogram(3);
    /** Answers to requests sent in the warm-up, left out. */
    long warmupAnswers;
    private final long warmupNs;
    private long firstRequestNs = -1;

    private WireTimes(long warmupNs) {
        this.warmupNs = warmupNs;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2 && args.length != 3) {
            System.err.println("usage: WireTimes CAPTURE PORT [WARMUP_S]");
            System.exit(2);
        }
        long warmupNs = args.length == 3 ? Math.round(Double.parseDouble(args[2]) * 1e9) : 0;
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
            System.out.println(read(in, Integer.parseInt(args[1]), warmupNs).json());
        }
    }

    /** Reads a pcap capture (microsecond or nanosecond timestamps, Ethernet or Linux cooked frames). */
    static WireTimes read(InputStream raw, int port, long warmupNs) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16));
        byte[] header = new byte[24];
        in.readFully(header);
        ByteBuffer g = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        int magic = g.getInt(0);
        if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
            throw new IOException("not a little-endian pcap capture (magic " + Integer.toHexString(magic) + ")");
        }
        long fractionUnitNs = magic == 0xa1b23c4d ? 1 : 1000;
        int link = g.getInt(20);
        int l2 = link == LINKTYPE_ETHERNET ? 14 : link == LINKTYPE_LINUX_SLL ? 16 : -1;
        if (l2 < 0) {
            throw new IOException("link type " + link + " (expected: Ethernet or Linux cooked, as on loopback)");
        }
        WireTimes t = new WireTimes(warmupNs);
        Map<Integer, Long> lastRequestNs = new HashMap<>();
        byte[] rec = new byte[16];
        byte[] frame = new byte[65_536];
        while (true) {
            try {
                in.readFully(rec);
            } catch (EOFException end) {
                return t;
            }
            ByteBuffer r = ByteBuffer.wrap(rec).order(ByteOrder.LITTLE_ENDIAN);
            long atNs = (r.getInt(0) & 0xffffffffL) * 1_000_000_000L + (r.getInt(4) & 0xffffffffL) * fractionUnitNs;
            int captured = r.getInt(8);
            if (captured > frame.length) {
                frame = new byte[captured];
            }
            in.readFully(frame, 0, captured);
            t.packet(frame, captured, l2, port, atNs, lastRequestNs);
        }
    }

    private void packet(byte[] f, int n, int ip, int port, long atNs, Map<Integer, Long> lastRequestNs) {
        if (n < ip + 20 || (f[ip] & 0xf0) != 0x40) {
            return;
        }
        int ipHeader = (f[ip] & 0x0f) * 4;
        int ipTotal = u16(f, ip + 2);
        int tcp = ip + ipHeader;
        if (n < tcp + 20) {
            return;
        }
        int sport = u16(f, tcp);
        int dport = u16(f, tcp + 2);
        int tcpHeader = ((f[tcp + 12] & 0xf0) >> 4) * 4;
        int payload = tcp + tcpHeader;
        if (ipTotal - ipHeader - tcpHeader <= 0) {
            return;
        }
        if (dport == port) {
            if (firstRequestNs < 0) {
                firstRequestNs = atNs;
            }
            lastRequestNs.put(sport, atNs);
        } else if (sport == port && n >= payload + HTTP.length + 3
                && Arrays.equals(f, payload, payload + HTTP.length, HTTP, 0, HTTP.length)) {
            Long sentNs = lastRequestNs.remove(dport);
            if (sentNs != null && sentNs - firstRequestNs < warmupNs) {
                warmupAnswers++;
            } else if (sentNs != null) {
                boolean is503 = f[payload + 9] == '5' && f[payload + 10] == '0' && f[payload + 11] == '3';
                (is503 ? refused : answered).recordValue(Math.max(0, atNs - sentNs));
            }
        }
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }

    String json() {
        return String.format(Locale.ROOT, "{\"refused\":%s,\"answered\":%s,\"warmup_answers\":%d}",
                figures(refused), figures(answered), warmupAnswers);
    }

    private static String figures(Histogram h) {
        return String.format(Locale.ROOT,
                "{\"count\":%d,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f}",
                h.getTotalCount(), h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                h.getValueAtPercentile(99.9) / 1e6, h.getMaxValue() / 1e6);
    }
}
