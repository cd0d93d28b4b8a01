package dev.sluice.proxy.internal;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;

import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map.Entry;
import java.util.Set;

/**
 * The trailer fields of a decoded message, made only when a trailer field arrives. Netty's decoders give every
 * message that ends a body of known length a {@code LastHttpContent} with a trailer map of its own, which stays
 * empty (a trailer can only follow a chunked body, and the SDKs and providers of these APIs send none): a map, its
 * entry table and its list head, about 180 bytes per message on both sides of every exchange. This map is one field
 * until its first write, and then Netty's own validating map, so a trailer that does arrive is kept as before.
 * <p>
 * Confined to the decoding channel's event loop, as the message it belongs to.
 */
final class LazyTrailers extends HttpHeaders {
    /** The trailers factory of the gateway's decoders (the client's requests, the providers' answers). */
    static final HttpHeadersFactory FACTORY = new HttpHeadersFactory() {
        @Override
        public HttpHeaders newHeaders() {
            return new LazyTrailers();
        }

        @Override
        public HttpHeaders newEmptyHeaders() {
            return new LazyTrailers();
        }
    };

    private static final HttpHeadersFactory TRAILERS = DefaultHttpHeadersFactory.trailersFactory();
    private HttpHeaders fields;

    private LazyTrailers() {
    }

    /** The fields to read: the map once made, else the shared empty one. */
    private HttpHeaders read() {
        return fields != null ? fields : EmptyHttpHeaders.INSTANCE;
    }

    /** The fields to write, made on the first write. */
    private HttpHeaders write() {
        HttpHeaders f = fields;
        if (f == null) {
            f = fields = TRAILERS.newHeaders();
        }
        return f;
    }

    @Override
    public String get(String name) {
        return read().get(name);
    }

    @Override
    public String get(CharSequence name) {
        return read().get(name);
    }

    @Override
    public Integer getInt(CharSequence name) {
        return read().getInt(name);
    }

    @Override
    public int getInt(CharSequence name, int defaultValue) {
        return read().getInt(name, defaultValue);
    }

    @Override
    public Short getShort(CharSequence name) {
        return read().getShort(name);
    }

    @Override
    public short getShort(CharSequence name, short defaultValue) {
        return read().getShort(name, defaultValue);
    }

    @Override
    public Long getTimeMillis(CharSequence name) { // style-exception(unitSuffix): Netty's method name
        return read().getTimeMillis(name);
    }

    @Override
    public long getTimeMillis(CharSequence name, long defaultValue) { // style-exception(unitSuffix): Netty's name
        return read().getTimeMillis(name, defaultValue);
    }

    @Override
    public List<String> getAll(String name) {
        return read().getAll(name);
    }

    @Override
    public List<Entry<String, String>> entries() {
        return fields != null ? fields.entries() : Collections.emptyList();
    }

    @Override
    public boolean contains(String name) {
        return read().contains(name);
    }

    @Override
    public boolean contains(CharSequence name, CharSequence value, boolean ignoreCase) {
        return read().contains(name, value, ignoreCase);
    }

    @Override
    public Iterator<Entry<String, String>> iterator() {
        return read().iterator();
    }

    @Override
    public Iterator<Entry<CharSequence, CharSequence>> iteratorCharSequence() {
        return read().iteratorCharSequence();
    }

    @Override
    public boolean isEmpty() {
        return fields == null || fields.isEmpty();
    }

    @Override
    public int size() {
        return fields != null ? fields.size() : 0;
    }

    @Override
    public Set<String> names() {
        return read().names();
    }

    @Override
    public HttpHeaders add(String name, Object value) {
        write().add(name, value);
        return this;
    }

    @Override
    public HttpHeaders add(CharSequence name, Object value) {
        write().add(name, value);
        return this;
    }

    @Override
    public HttpHeaders add(String name, Iterable<?> values) {
        write().add(name, values);
        return this;
    }

    @Override
    public HttpHeaders addInt(CharSequence name, int value) {
        write().addInt(name, value);
        return this;
    }

    @Override
    public HttpHeaders addShort(CharSequence name, short value) {
        write().addShort(name, value);
        return this;
    }

    @Override
    public HttpHeaders set(String name, Object value) {
        write().set(name, value);
        return this;
    }

    @Override
    public HttpHeaders set(CharSequence name, Object value) {
        write().set(name, value);
        return this;
    }

    @Override
    public HttpHeaders set(String name, Iterable<?> values) {
        write().set(name, values);
        return this;
    }

    @Override
    public HttpHeaders setInt(CharSequence name, int value) {
        write().setInt(name, value);
        return this;
    }

    @Override
    public HttpHeaders setShort(CharSequence name, short value) {
        write().setShort(name, value);
        return this;
    }

    @Override
    public HttpHeaders remove(String name) {
        if (fields != null) {
            fields.remove(name);
        }
        return this;
    }

    @Override
    public HttpHeaders clear() {
        if (fields != null) {
            fields.clear();
        }
        return this;
    }

    @Override
    public HttpHeaders copy() {
        return fields != null ? fields.copy() : TRAILERS.newHeaders();
    }
}
