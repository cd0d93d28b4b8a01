package dev.sluice.proxy.internal;

import dev.sluice.codec.Endpoint;

import java.util.ArrayList;
import java.util.List;

/**
 * Every route the client listener answers, in one place (RELIABILITY.md E5): {@link ClientHandler} dispatches
 * through {@link #endpoint} and {@link #HEALTH}, and the route inventory test holds the running gateway to
 * {@link #INVENTORY}. Paths match exactly (a query string aside): no normalisation, so {@code //v1/...},
 * {@code /v1/./...}, a trailing slash or a percent-encoded slash reach nothing. Every route but {@link #HEALTH}
 * needs a key. Stateless.
 */
public final class ClientRoutes {
    /** Liveness: the only route answered without a key. */
    public static final String HEALTH = "/healthz";

    /**
     * One route.
     *
     * @param method the one method it answers (another gets 405)
     * @param path the path; {@code {id}} stands for the rest of the path
     * @param keyRequired whether it needs a key (401 without one)
     */
    public record Route(String method, String path, boolean keyRequired) {
    }

    /** The client listener's routes. */
    public static final List<Route> INVENTORY = inventory();

    private ClientRoutes() {
    }

    /** The endpoint {@code path} (no query string) names, or {@code null}: 404. */
    static Endpoint endpoint(String path) {
        String models = Endpoint.MODELS.path();
        if (path.startsWith(models) && (path.length() == models.length()
                || (path.charAt(models.length()) == '/' && path.length() > models.length() + 1))) {
            return Endpoint.MODELS;
        }
        return Endpoint.forPath(path);
    }

    private static List<Route> inventory() {
        List<Route> routes = new ArrayList<>();
        routes.add(new Route("GET", HEALTH, false));
        for (Endpoint e : Endpoint.values()) {
            if (e == Endpoint.MODELS) {
                routes.add(new Route("GET", e.path(), true));
                routes.add(new Route("GET", e.path() + "/{id}", true));
            } else {
                routes.add(new Route("POST", e.path(), true));
            }
        }
        return List.copyOf(routes);
    }
}
