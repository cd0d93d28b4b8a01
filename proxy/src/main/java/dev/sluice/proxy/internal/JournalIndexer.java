package dev.sluice.proxy.internal;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.Clock;
import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.JournalIndex;

import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this gateway's {@link JournalIndex} current on a thread of its own ({@value #THREAD}) and answers the
 * console's questions from it: the thread reads what the journal gained (every {@value #IDLE_PARK_MS} ms while
 * idle, every {@value #CATCH_UP_PARK_MS} ms while it is being written), and runs a question only once it has read
 * to the end, so an answer includes every request that finished before it was asked. The first read, of the whole
 * journal, happens at start in the background; questions asked meanwhile wait for it.
 * <p>
 * Thread-safe: {@link #ask} from any thread; the index is read and written on the indexer's thread only.
 */
public final class JournalIndexer implements AutoCloseable {
    /** The indexer thread's name. */
    static final String THREAD = "sluice-journal-index";
    /** Questions waiting at most; more are refused. */
    static final int MAX_QUEUED = 32;
    /** How long the thread sleeps when the journal has nothing new. */
    static final long IDLE_PARK_MS = 100;
    /** How long the thread waits after reading to the end of a journal that is still being written. */
    static final long CATCH_UP_PARK_MS = 10;
    /** Followers of finished requests at most; more are refused. */
    static final int MAX_FOLLOWERS = 64;
    /** A follower with nothing new is sent a heartbeat this often (which also finds the ones gone). */
    static final long HEARTBEAT_MS = 15_000;
    /** Records read between two looks at the questions. */
    private static final int BATCH = 8192;
    private static final Logger LOG = LoggerFactory.getLogger(JournalIndexer.class);

    private final JournalIndex index;
    private final Clock clock;
    private final ManyToOneConcurrentArrayQueue<Question<?>> questions =
        new ManyToOneConcurrentArrayQueue<>(MAX_QUEUED);
    private final Thread thread;
    /** The followers; on the indexer's thread only. */
    private final List<Following> followers = new ArrayList<>();
    private volatile boolean closed;

    private JournalIndexer(JournalIndex index, Clock clock) {
        this.index = index;
        this.clock = clock;
        this.thread = new Thread(this::run, THREAD);
        thread.setDaemon(true);
    }

    /** Starts indexing the journal in {@code journalDir}, days counted in {@code zone}. */
    public static JournalIndexer start(Path journalDir, ZoneId zone, Clock clock) {
        JournalIndexer indexer = new JournalIndexer(JournalIndex.create(List.of(requireNonNull(journalDir,
            "journalDir")), requireNonNull(zone, "zone"), JournalIndex.DEFAULT_RECENT), requireNonNull(clock,
            "clock"));
        indexer.thread.start();
        return indexer;
    }

    /**
     * Answers {@code question} on the indexer's thread once the index has read the whole journal so far; fails with
     * {@link RejectedExecutionException} when {@value #MAX_QUEUED} questions wait already or the indexer is closed.
     */
    public <T> CompletableFuture<T> ask(Function<JournalIndex, T> question) {
        requireNonNull(question, "question");
        Question<T> q = new Question<>(question);
        if (closed || !questions.offer(q)) {
            q.answer.completeExceptionally(new RejectedExecutionException(THREAD + ": " + (closed ? "closed"
                : MAX_QUEUED + " questions waiting")));
            return q.answer;
        }
        LockSupport.unpark(thread);
        return q.answer;
    }

    /**
     * Sends {@code follower} the requests {@code backlog} picks from the index, then every finished request its
     * filter keeps as the index reads it, until it says it is gone. Answers false when {@value #MAX_FOLLOWERS}
     * follow already; then nothing is sent.
     */
    public CompletableFuture<Boolean> follow(Follower follower, Function<JournalIndex, List<JournalEntry>> backlog) {
        requireNonNull(follower, "follower");
        requireNonNull(backlog, "backlog");
        return ask(index -> {
            if (followers.size() >= MAX_FOLLOWERS) {
                return false;
            }
            List<JournalEntry> first = backlog.apply(index);
            Following f = new Following(follower, index.finished(), clock.nanoTime());
            if (follower.start(first)) {
                followers.add(f);
            }
            return true;
        });
    }

    /** Sends each follower what finished since it was last sent something, or a heartbeat when due. */
    private void push() {
        if (followers.isEmpty()) {
            return;
        }
        long now = clock.nanoTime();
        long latest = index.finished();
        for (Iterator<Following> it = followers.iterator(); it.hasNext(); ) {
            Following f = it.next();
            boolean open = true;
            if (latest < f.seen) {
                f.seen = latest; // the index was read again from the start: go on from its new count
            } else if (latest > f.seen) {
                List<JournalEntry> news = index.finishedAfter(f.seen, f.follower::keep);
                f.seen = latest;
                if (!news.isEmpty()) {
                    open = f.follower.send(news);
                    f.lastSentNs = now;
                }
            }
            if (open && now - f.lastSentNs >= TimeUnit.MILLISECONDS.toNanos(HEARTBEAT_MS)) {
                open = f.follower.heartbeat();
                f.lastSentNs = now;
            }
            if (!open) {
                it.remove();
            }
        }
    }

    private void run() {
        long started = clock.nanoTime();
        boolean first = true;
        while (!closed) {
            int read;
            try {
                read = index.catchUp(BATCH);
            } catch (RuntimeException e) {
                // A journal being compacted or removed under the reader: try again after a pause.
                LOG.warn("journal index: reading the journal failed, trying again", e);
                read = 0;
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
            }
            if (read > 0 || !followers.isEmpty()) {
                push();
            }
            if (read == BATCH) {
                continue; // more to read before any answer
            }
            if (first) {
                first = false;
                LOG.info("journal index: {} records read in {} ms", index.records(),
                    TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - started));
            }
            Question<?> question;
            boolean answered = false;
            while ((question = questions.poll()) != null) {
                question.answer(index);
                answered = true;
            }
            if (!answered) {
                // Nothing new: wait. Caught up with a journal still being written: let its records gather for a
                // moment rather than read them a few at a time (each catch-up at the end also lists the journal's
                // directories for new partitions: under load that was hundreds of listings a second). A question
                // wakes the thread either way.
                long parkMs = read == 0 ? IDLE_PARK_MS : CATCH_UP_PARK_MS;
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(parkMs));
            }
        }
        index.close();
    }

    /** Stops the thread (questions waiting are failed) and closes the index. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Question<?> question;
        while ((question = questions.poll()) != null) {
            question.answer.completeExceptionally(new RejectedExecutionException(THREAD + ": closed"));
        }
    }

    /** Someone following finished requests (a console's live tail); called on the indexer's thread only. */
    public interface Follower {
        /** Whether to send {@code entry}. */
        boolean keep(JournalEntry entry);

        /** Starts the stream with {@code backlog} (maybe empty); false when the follower is gone already. */
        boolean start(List<JournalEntry> backlog);

        /** Sends new requests (never none); false when the follower is gone. */
        boolean send(List<JournalEntry> entries);

        /** Nothing new for a while: says so; false when the follower is gone. */
        boolean heartbeat();
    }

    /** A follower and how far it was sent. */
    private static final class Following {
        final Follower follower;
        long seen;
        long lastSentNs;

        Following(Follower follower, long seen, long nowNs) {
            this.follower = follower;
            this.seen = seen;
            this.lastSentNs = nowNs;
        }
    }

    /** A question and its answer to come. */
    private static final class Question<T> {
        final Function<JournalIndex, T> ask;
        final CompletableFuture<T> answer = new CompletableFuture<>();

        Question(Function<JournalIndex, T> ask) {
            this.ask = ask;
        }

        void answer(JournalIndex index) {
            try {
                answer.complete(ask.apply(index));
            } catch (RuntimeException e) {
                answer.completeExceptionally(e);
            }
        }
    }
}
