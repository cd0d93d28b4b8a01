package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The module boundaries of DESIGN.md ("Layout"), checked over every main source file of the repository: a module
 * names only the Sluice modules it may depend on, no class reaches another module's {@code internal} packages,
 * no module declares a package of another (a split package), and the decision modules stay free of Netty
 * channels, Reactor and (for the journal) Netty altogether.
 */
class ArchitectureTest {
    /** Each module and the Sluice modules its main code may name (itself included). */
    static final Map<String, Set<String>> ALLOWED = Map.of(
        "codec", Set.of("codec"),
        "routing", Set.of("routing", "codec"),
        "journal", Set.of("journal"),
        "mock", Set.of("mock"),
        "cluster", Set.of("cluster", "routing", "codec"),
        "proxy", Set.of("proxy", "codec", "routing", "journal", "cluster", "mock"),
        "bench", Set.of("bench", "proxy", "codec", "routing", "journal", "cluster", "mock"));

    /** Third-party packages a module must not name: the I/O-free modules never see channels or Reactor. */
    static final Map<String, List<String>> FORBIDDEN = Map.of(
        "codec", List.of("io.netty.channel.", "reactor."),
        "routing", List.of("io.netty.channel.", "reactor."),
        "journal", List.of("io.netty.", "reactor."));

    private static final Pattern SLUICE_NAME = Pattern.compile("\\bdev\\.sluice\\.([a-z]+)((?:\\.[a-z][a-z0-9]*)*)");
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+);", Pattern.MULTILINE);

    @Test
    void shouldKeepEveryModuleWithinItsBoundaries() {
        Path root = Path.of("").toAbsolutePath().getParent();
        assertThat(root.resolve("pom.xml")).exists();
        assertThat(ALLOWED.keySet()).allSatisfy(m -> assertThat(root.resolve(m).resolve("src/main/java")).isDirectory());
        assertThat(violations(root)).isEmpty();
    }

    @Test
    void shouldReportAForbiddenDependencyAnInternalReachAndASplitPackage(@TempDir Path root) throws IOException {
        write(root, "codec", "dev/sluice/codec/Scanner.java", "package dev.sluice.codec;\n"
            + "import dev.sluice.routing.config.Route;\nimport io.netty.channel.Channel;\nclass Scanner {}\n");
        write(root, "proxy", "dev/sluice/proxy/Server.java", "package dev.sluice.proxy;\n"
            + "import dev.sluice.journal.internal.ChronicleWrites;\nclass Server {}\n");
        write(root, "bench", "dev/sluice/proxy/internal/Driver.java", "package dev.sluice.proxy.internal;\n"
            + "class Driver {}\n");
        write(root, "journal", "dev/sluice/journal/Reader.java", "package dev.sluice.journal;\n"
            + "import dev.sluice.journal.internal.MergedTailer;\nclass Reader {}\n");

        assertThat(violations(root)).containsExactlyInAnyOrder(
            "codec/src/main/java/dev/sluice/codec/Scanner.java names module routing (dev.sluice.routing.config)",
            "codec/src/main/java/dev/sluice/codec/Scanner.java names io.netty.channel.",
            "proxy/src/main/java/dev/sluice/proxy/Server.java reaches journal's internals"
                + " (dev.sluice.journal.internal)",
            "bench/src/main/java/dev/sluice/proxy/internal/Driver.java declares package dev.sluice.proxy.internal"
                + " of module proxy",
            "bench/src/main/java/dev/sluice/proxy/internal/Driver.java reaches proxy's internals"
                + " (dev.sluice.proxy.internal)");
    }

    /** Every boundary crossed by the main sources under {@code root}, one line each. */
    static List<String> violations(Path root) {
        List<String> found = new ArrayList<>();
        for (String module : ALLOWED.keySet()) {
            Path sources = root.resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(sources)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(sources)) {
                files.filter(f -> f.toString().endsWith(".java")).sorted()
                    .forEach(f -> check(module, root.relativize(f).toString(), read(f), found));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return found;
    }

    private static void check(String module, String file, String text, List<String> found) {
        Matcher pkg = PACKAGE.matcher(text);
        if (pkg.find()) {
            Matcher owner = SLUICE_NAME.matcher(pkg.group(1));
            if (owner.lookingAt() && !owner.group(1).equals(module)) {
                found.add(file + " declares package " + pkg.group(1) + " of module " + owner.group(1));
            }
        }
        Set<String> reported = new HashSet<>();
        Matcher m = SLUICE_NAME.matcher(text);
        while (m.find()) {
            String target = m.group(1);
            String name = m.group(0);
            if (!ALLOWED.containsKey(target)) {
                continue; // not a module: a logger name such as dev.sluice.admin
            }
            if (!ALLOWED.get(module).contains(target)) {
                if (reported.add("module " + target)) {
                    found.add(file + " names module " + target + " (" + name + ")");
                }
            } else if (!target.equals(module)) {
                int internal = name.indexOf(".internal");
                if (internal >= 0 && reported.add("internal " + target)) {
                    found.add(file + " reaches " + target + "'s internals (" + name.substring(0, internal + 9) + ")");
                }
            }
        }
        for (String prefix : FORBIDDEN.getOrDefault(module, List.of())) {
            if (Pattern.compile("^import\\s+(static\\s+)?" + Pattern.quote(prefix), Pattern.MULTILINE).matcher(text)
                .find()) {
                found.add(file + " names " + prefix);
            }
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path root, String module, String path, String text) throws IOException {
        Path file = root.resolve(module).resolve("src/main/java").resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
