package dev.sluice.bench.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Holds what a hostile crowd holds of a gateway (RELIABILITY.md B3, B4): {@code idle} connections that never send
 * a byte, and {@code slow} streams whose client reads one small buffer a second. Runs for {@code seconds}, then
 * prints how many of each were still open, the statuses of the streams' answers and the bytes they read.
 * <p>
 * {@code HoldClient HOST PORT IDLE SLOW SECONDS REQUEST_FILE}: the request file holds the whole HTTP request of a
 * slow stream. One thread, one selector; the process needs a file descriptor per connection.
 */
public final class HoldClient {
    private HoldClient() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 6 && args.length != 7) {
            System.err.println("usage: HoldClient HOST PORT IDLE SLOW SECONDS REQUEST_FILE [LOCAL_ADDRESS]");
            System.exit(2);
        }
        InetSocketAddress to = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int idle = Integer.parseInt(args[2]);
        int slow = Integer.parseInt(args[3]);
        long seconds = Long.parseLong(args[4]);
        byte[] request = Files.readAllBytes(Path.of(args[5]));
        // Connections from an address of their own (any of 127.0.0.0/8 on loopback) take their ports from a space of
        // their own: the gateway's closes leave each displaced connection's port in TIME_WAIT for a minute, and
        // tens of thousands of them from 127.0.0.1 would leave the legitimate clients no port to connect from.
        InetSocketAddress from = args.length == 7 ? new InetSocketAddress(args[6], 0) : null;
        Selector selector = Selector.open();
        List<SocketChannel> idleChannels = new ArrayList<>();
        List<SocketChannel> slowChannels = new ArrayList<>();
        int refusedAtConnect = 0;
        for (int i = 0; i < idle + slow; i++) {
            SocketChannel ch = SocketChannel.open();
            try {
                ch.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
                if (from != null) {
                    ch.bind(from);
                }
                ch.connect(to);
                ch.configureBlocking(false);
            } catch (IOException e) {
                refusedAtConnect++;
                ch.close();
                continue;
            }
            if (i < idle) {
                idleChannels.add(ch);
                ch.register(selector, SelectionKey.OP_READ, null);
            } else {
                ch.write(ByteBuffer.wrap(request));
                slowChannels.add(ch);
            }
        }
        System.out.printf("opened %d idle and %d slow (%d refused at connect)%n", idleChannels.size(),
                slowChannels.size(), refusedAtConnect);
        System.out.flush();
        long endNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ByteBuffer small = ByteBuffer.allocate(256);
        long slowBytes = 0;
        Map<String, Integer> heads = new TreeMap<>();
        boolean[] headSeen = new boolean[slowChannels.size()];
        int idleClosedByGateway = 0;
        while (System.nanoTime() < endNs) {
            // The idle ones: only to see the gateway close them.
            selector.select(1000);
            for (SelectionKey k : selector.selectedKeys()) {
                SocketChannel ch = (SocketChannel) k.channel();
                small.clear();
                int n;
                try {
                    n = ch.read(small);
                } catch (IOException e) {
                    n = -1;
                }
                if (n < 0) {
                    idleClosedByGateway++;
                    k.cancel();
                    ch.close();
                }
            }
            selector.selectedKeys().clear();
            // The slow ones: 256 bytes a second each.
            for (int i = 0; i < slowChannels.size(); i++) {
                SocketChannel ch = slowChannels.get(i);
                if (!ch.isOpen()) {
                    continue;
                }
                small.clear();
                int n;
                try {
                    n = ch.read(small);
                } catch (IOException e) {
                    n = -1;
                }
                if (n < 0) {
                    ch.close();
                } else if (n > 0) {
                    slowBytes += n;
                    String start = new String(small.array(), 0, n, StandardCharsets.ISO_8859_1);
                    if (!headSeen[i] && start.startsWith("HTTP/1.1 ") && start.length() >= 12) {
                        headSeen[i] = true;
                        heads.merge(start.substring(9, 12), 1, Integer::sum);
                    }
                }
            }
        }
        int slowOpen = 0;
        for (SocketChannel ch : slowChannels) {
            slowOpen += ch.isOpen() ? 1 : 0;
            ch.close();
        }
        int idleOpen = idleChannels.size() - idleClosedByGateway;
        for (SocketChannel ch : idleChannels) {
            ch.close();
        }
        System.out.printf("after %d s: idle still open %d of %d, slow still open %d of %d, slow answer statuses %s,"
                + " slow bytes read %d%n", seconds, idleOpen, idleChannels.size(), slowOpen, slowChannels.size(),
                heads, slowBytes);
        selector.close();
    }
}
