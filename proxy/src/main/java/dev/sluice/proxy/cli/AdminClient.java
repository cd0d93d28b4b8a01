package dev.sluice.proxy.cli;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Calls a running gateway's admin API for the {@code sluice keys} verbs: one request, JSON in and out, the admin
 * token as {@code Authorization: Bearer}. Never follows redirects. Thread-safe.
 */
public final class AdminClient {
    /** Where the admin API listens by default ({@code server.admin_port} of the shipped configuration). */
    public static final String DEFAULT_URL = "http://127.0.0.1:8081";
    /** Environment variable naming the admin API's base URL. */
    public static final String URL_ENV = "SLUICE_ADMIN_URL";
    /** Environment variable holding the admin token. */
    public static final String TOKEN_ENV = "SLUICE_ADMIN_TOKEN";
    /** How long one call may take. */
    public static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    /** @param token the admin token, or {@code null} to send none */
    public AdminClient(String baseUrl, String token) {
        String b = requireNonNull(baseUrl, "baseUrl");
        this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
        this.token = token == null || token.isEmpty() ? null : token;
    }

    /** A status and body the admin API answered. */
    public record Response(int status, String body) {
        public boolean ok() {
            return status / 100 == 2;
        }
    }

    public Response get(String path) throws IOException {
        return send(request(path).GET());
    }

    /** POSTs {@code json} (may be {@code "{}"}). */
    public Response post(String path, String json) throws IOException {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private Response send(HttpRequest.Builder b) throws IOException {
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
