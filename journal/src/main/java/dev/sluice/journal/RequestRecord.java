package dev.sluice.journal;

import static dev.sluice.journal.internal.RecordLayout.HEADER_BYTES;
import static dev.sluice.journal.internal.RecordLayout.ORDER;
import static dev.sluice.journal.internal.RecordLayout.TYPE_REQUEST;
import static dev.sluice.journal.internal.RecordLayout.VERSION;

import dev.sluice.journal.internal.RecordLayout;
import dev.sluice.journal.internal.Utf8Field;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The request record: written when a request has been tagged, before any response byte goes out. A mutable
 * flyweight: the producer thread keeps one, sets its fields and passes it to {@link JournalProducer#append};
 * the values are copied into the journal during that call, so the record (and any {@link CharSequence} set on
 * it) may be reused at once. Setters return {@code this}. String fields may be null (absent) and are truncated
 * to 1 KiB of UTF-8 on a character boundary. String getters allocate and are meant for readers.
 * <p>
 * Confined to one thread.
 */
public final class RequestRecord extends EncodedRecord {
    private static final int FLAG_STREAM = 1;
    // requestId, wallTimeMicros, endpoint, flags
    private static final int FIXED_BYTES = 8 + 8 + 1 + 1;
    // Offsets from the record start, for readers that scan raw bytes (SpendScanner); encode() is the layout.
    static final int REQUEST_ID_OFFSET = HEADER_BYTES;
    static final int WALL_TIME_OFFSET = RecordLayout.KEYED_WALL_TIME_OFFSET;
    /** Where the string fields begin: keyId, user, team, project, useCase, requestedModel, clientAddress. */
    static final int STRINGS_OFFSET = HEADER_BYTES + FIXED_BYTES;

    private long requestId;
    private long wallTimeMicros;
    private final Utf8Field keyId = new Utf8Field();
    private final Utf8Field user = new Utf8Field();
    private final Utf8Field team = new Utf8Field();
    private final Utf8Field project = new Utf8Field();
    private final Utf8Field useCase = new Utf8Field();
    private byte endpoint;
    private final Utf8Field requestedModel = new Utf8Field();
    private boolean stream;
    private final Utf8Field clientAddress = new Utf8Field();
    // Written after the client address: a record without them (older files) ends its meta there and decodes with
    // them absent, and a reader that predates them stops at the client address.
    private final Utf8Field agent = new Utf8Field();
    private final Utf8Field agentVersion = new Utf8Field();
    private final Utf8Field agentLabel = new Utf8Field();
    // Written after the agent fields (present, maybe absent-valued, whenever these are): a shadow request's primary
    // and the alias or agent whose shadow declaration sent it. A reader that predates them stops before them.
    private long shadowOf;
    private final Utf8Field shadowSource = new Utf8Field();
    private byte[] body;
    private int bodyOffset;
    private int bodyLength;
    private boolean bodyDigestOnly;

    /** Clears every field (ids and times to 0, strings absent, endpoint 0, stream false). */
    public RequestRecord reset() {
        requestId = 0;
        wallTimeMicros = 0;
        keyId.clear();
        user.clear();
        team.clear();
        project.clear();
        useCase.clear();
        endpoint = 0;
        requestedModel.clear();
        stream = false;
        clientAddress.clear();
        agent.clear();
        agentVersion.clear();
        agentLabel.clear();
        shadowOf = 0;
        shadowSource.clear();
        body = null;
        bodyOffset = 0;
        bodyLength = 0;
        bodyDigestOnly = false;
        return this;
    }

    /**
     * The captured request body: {@code src[offset, offset + length)}, read (not copied) when the record is appended,
     * so it must stay unchanged until then. {@code digestOnly}: the journal keeps its size and SHA-256 in the chain,
     * not its bytes (capture {@code metadata}).
     */
    public RequestRecord body(byte[] src, int offset, int length, boolean digestOnly) {
        this.body = src;
        this.bodyOffset = offset;
        this.bodyLength = length;
        this.bodyDigestOnly = digestOnly;
        return this;
    }

    @Override
    int bodyLength() {
        return bodyLength;
    }

    @Override
    boolean bodyDigestOnly() {
        return bodyDigestOnly;
    }

    public RequestRecord requestId(long requestId) {
        this.requestId = requestId;
        return this;
    }

    public RequestRecord wallTimeMicros(long wallTimeMicros) {
        this.wallTimeMicros = wallTimeMicros;
        return this;
    }

    public RequestRecord keyId(CharSequence keyId) {
        this.keyId.set(keyId);
        return this;
    }

    public RequestRecord user(CharSequence user) {
        this.user.set(user);
        return this;
    }

    public RequestRecord team(CharSequence team) {
        this.team.set(team);
        return this;
    }

    public RequestRecord project(CharSequence project) {
        this.project.set(project);
        return this;
    }

    public RequestRecord useCase(CharSequence useCase) {
        this.useCase.set(useCase);
        return this;
    }

    /** The endpoint id (the gateway's stable endpoint byte). */
    public RequestRecord endpoint(byte endpoint) {
        this.endpoint = endpoint;
        return this;
    }

    public RequestRecord requestedModel(CharSequence requestedModel) {
        this.requestedModel.set(requestedModel);
        return this;
    }

    /** Copies the model name from UTF-8 bytes (no allocation). */
    public RequestRecord requestedModel(byte[] src, int offset, int length) {
        this.requestedModel.set(src, offset, length);
        return this;
    }

    /** Copies the model name from UTF-8 bytes (no allocation). */
    public RequestRecord requestedModel(DirectBuffer src, int offset, int length) {
        this.requestedModel.set(src, offset, length);
        return this;
    }

    public RequestRecord stream(boolean stream) {
        this.stream = stream;
        return this;
    }

    public RequestRecord clientAddress(CharSequence clientAddress) {
        this.clientAddress.set(clientAddress);
        return this;
    }

    /** The agent the request called, the version that served it, and the label it named (each may be null). */
    public RequestRecord agent(CharSequence agent, CharSequence version, CharSequence label) {
        this.agent.set(agent);
        this.agentVersion.set(version);
        this.agentLabel.set(label);
        return this;
    }

    /**
     * Marks a shadow request: a copy of request {@code primaryId} sent to a shadow target by the declaration of
     * {@code source} (a model alias or an agent).
     */
    public RequestRecord shadow(long primaryId, CharSequence source) {
        this.shadowOf = primaryId;
        this.shadowSource.set(source);
        return this;
    }

    /** The primary request this one shadows, or 0 for a request a client sent. */
    public long shadowOf() {
        return shadowOf;
    }

    /** The alias or agent whose shadow declaration sent this request, or null. */
    public String shadowSource() {
        return shadowSource.get();
    }

    public String agent() {
        return agent.get();
    }

    public String agentVersion() {
        return agentVersion.get();
    }

    public String agentLabel() {
        return agentLabel.get();
    }

    public long requestId() {
        return requestId;
    }

    public long wallTimeMicros() {
        return wallTimeMicros;
    }

    public String keyId() {
        return keyId.get();
    }

    public String user() {
        return user.get();
    }

    public String team() {
        return team.get();
    }

    public String project() {
        return project.get();
    }

    public String useCase() {
        return useCase.get();
    }

    public byte endpoint() {
        return endpoint;
    }

    /**
     * The journal's names for endpoint ids, part of the record schema: ids are never reused. The gateway's
     * endpoint ids are checked against this table by its tests.
     */
    private static final String[] ENDPOINT_NAMES = {null, "chat.completions", "completions", "embeddings",
        "responses", "messages", "models", "feedback"};

    /** Returns the name of an endpoint id ("chat.completions", "messages", ...), or "unknown". */
    public static String endpointName(byte id) {
        return id > 0 && id < ENDPOINT_NAMES.length ? ENDPOINT_NAMES[id] : "unknown";
    }

    public String requestedModel() {
        return requestedModel.get();
    }

    public boolean stream() {
        return stream;
    }

    public String clientAddress() {
        return clientAddress.get();
    }

    @Override
    int encodedLength() {
        return HEADER_BYTES + FIXED_BYTES + keyId.encodedLength() + user.encodedLength() + team.encodedLength()
            + project.encodedLength() + useCase.encodedLength() + requestedModel.encodedLength()
            + clientAddress.encodedLength() + agentBytes() + shadowBytes() + bodyLength;
    }

    @Override
    int encode(MutableDirectBuffer dst, int index) {
        int pos = index;
        dst.putByte(pos++, VERSION);
        dst.putByte(pos++, TYPE_REQUEST);
        dst.putLong(pos, requestId, ORDER);
        pos += 8;
        dst.putLong(pos, wallTimeMicros, ORDER);
        pos += 8;
        dst.putByte(pos++, endpoint);
        dst.putByte(pos++, (byte) (stream ? FLAG_STREAM : 0));
        pos += keyId.encode(dst, pos);
        pos += user.encode(dst, pos);
        pos += team.encode(dst, pos);
        pos += project.encode(dst, pos);
        pos += useCase.encode(dst, pos);
        pos += requestedModel.encode(dst, pos);
        pos += clientAddress.encode(dst, pos);
        if (agentBytes() > 0) {
            pos += agent.encode(dst, pos);
            pos += agentVersion.encode(dst, pos);
            pos += agentLabel.encode(dst, pos);
        }
        if (shadowOf != 0) {
            dst.putLong(pos, shadowOf, ORDER);
            pos += 8;
            pos += shadowSource.encode(dst, pos);
        }
        if (bodyLength > 0) {
            dst.putBytes(pos, body, bodyOffset, bodyLength);
            pos += bodyLength;
        }
        return pos - index;
    }

    /** Decodes the body that follows the header at {@code index} (the header already checked). */
    RequestRecord decodeBody(DirectBuffer src, int index) {
        int pos = index;
        requestId = src.getLong(pos, ORDER);
        pos += 8;
        wallTimeMicros = src.getLong(pos, ORDER);
        pos += 8;
        endpoint = src.getByte(pos++);
        stream = (src.getByte(pos++) & FLAG_STREAM) != 0;
        pos += keyId.decode(src, pos);
        pos += user.decode(src, pos);
        pos += team.decode(src, pos);
        pos += project.decode(src, pos);
        pos += useCase.decode(src, pos);
        pos += requestedModel.decode(src, pos);
        pos += clientAddress.decode(src, pos);
        if (pos < src.capacity()) {
            pos += agent.decode(src, pos);
            pos += agentVersion.decode(src, pos);
            pos += agentLabel.decode(src, pos);
        }
        if (pos + 8 <= src.capacity()) {
            shadowOf = src.getLong(pos, ORDER);
            pos += 8;
            shadowSource.decode(src, pos);
        }
        return this;
    }

    /** The agent fields' bytes: none at all for a request that called no agent, as in records that predate them. */
    private int agentBytes() {
        return agent.isNull() && shadowOf == 0 ? 0 : agent.encodedLength() + agentVersion.encodedLength()
            + agentLabel.encodedLength();
    }

    /** The shadow fields' bytes: none for a request a client sent. */
    private int shadowBytes() {
        return shadowOf == 0 ? 0 : 8 + shadowSource.encodedLength();
    }

    @Override
    public String toString() {
        return "RequestRecord{" + RequestIds.format(requestId) + ", wallTimeMicros=" + wallTimeMicros
            + ", keyId=" + keyId.get() + ", team=" + team.get() + ", model=" + requestedModel.get() + '}';
    }
}
