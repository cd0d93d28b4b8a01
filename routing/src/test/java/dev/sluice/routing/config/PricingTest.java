package dev.sluice.routing.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;

class PricingTest {
    private static final String PRICES = String.join("\n",
            "prices:",
            "  - {provider: openai, model: o3, input: 10.00, output: 40.00, cached_input: 2.50, effective: 2025-04-16}",
            "  - {provider: openai, model: o3, input: 2.00, output: 8.00, cached_input: 0.50, effective: 2025-06-10}",
            "  - {provider: anthropic, model: claude-sonnet-4-20250514, input: 3, output: 15, cached_input: 0.30, "
                    + "cache_write: 3.75, effective: 2025-05-22}",
            "");

    private static final String CONF = String.join("\n",
            "providers:",
            "  openai: {kind: openai, base_url: 'https://api.openai.com/v1', api_key: x}",
            "  anthropic: {kind: anthropic, base_url: 'https://api.anthropic.com', api_key: y}",
            "models:",
            "  o3: {provider: openai, model: o3}",
            "  fixed: {provider: openai, model: o3, price: {input: 1, output: 1}}",
            "  sonnet: {provider: anthropic, model: claude-sonnet-4-20250514}",
            "  mystery: {provider: openai, model: gpt-99}",
            "  mixed:",
            "    deployments:",
            "      - {provider: openai, model: o3}",
            "      - {provider: anthropic, model: claude-sonnet-4-20250514}",
            "  half:",
            "    deployments:",
            "      - {provider: openai, model: o3}",
            "      - {provider: openai, model: gpt-99}",
            "");

    private static long at(String day) {
        return LocalDate.parse(day).atStartOfDay(java.time.ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    @Test
    void shouldTakeTheLatestEffectivePriceNotAfterTheDate() throws Exception {
        PriceTable t = ConfigLoader.parsePrices("p.yaml", PRICES);
        assertThat(t.priceAt(ProviderKind.OPENAI, "o3", LocalDate.parse("2025-04-15"))).isNull();
        assertThat(t.priceAt(ProviderKind.OPENAI, "o3", LocalDate.parse("2025-04-16")).inputMicrosPerMTok())
                .isEqualTo(10_000_000);
        assertThat(t.priceAt(ProviderKind.OPENAI, "o3", LocalDate.parse("2025-06-09")).outputMicrosPerMTok())
                .isEqualTo(40_000_000);
        assertThat(t.priceAt(ProviderKind.OPENAI, "o3", LocalDate.parse("2025-06-10")).outputMicrosPerMTok())
                .isEqualTo(8_000_000);
        // The same model id under another provider kind is another model.
        assertThat(t.priceAt(ProviderKind.ANTHROPIC, "o3", LocalDate.parse("2026-01-01"))).isNull();
        Price sonnet = t.priceAt(ProviderKind.ANTHROPIC, "claude-sonnet-4-20250514", LocalDate.parse("2026-01-01"));
        assertThat(sonnet.cacheWriteMicrosPerMTok()).isEqualTo(3_750_000);
        assertThat(sonnet.cachedInputMicrosPerMTok()).isEqualTo(300_000);
    }

    @Test
    void shouldPriceDeploymentsFromTheTableUnlessExplicitAndFlagTheUnpriced(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("prices.yaml"), PRICES);
        Path conf = dir.resolve("sluice.yaml");
        Files.writeString(conf, CONF);
        GatewayConfig c = ConfigLoader.parse(conf.toString(), CONF, Map.of(), dir, at("2025-05-01"));
        assertThat(c.routes().lookup("o3").price().inputMicrosPerMTok()).isEqualTo(10_000_000);
        assertThat(c.routes().lookup("fixed").price().inputMicrosPerMTok()).isEqualTo(1_000_000);
        // Not yet in force on 2025-05-01.
        assertThat(c.routes().lookup("sonnet").price()).isNull();
        assertThat(c.unpricedDeployments()).containsExactly("sonnet: anthropic/claude-sonnet-4-20250514",
                "mystery: openai/gpt-99", "mixed: anthropic/claude-sonnet-4-20250514", "half: openai/gpt-99");
        assertThat(c.routes().lookup("half").maxPrice()).isNull();

        GatewayConfig later = ConfigLoader.parse(conf.toString(), CONF, Map.of(), dir, at("2025-07-01"));
        assertThat(later.routes().lookup("o3").deployments().get(0).price().inputMicrosPerMTok())
                .isEqualTo(2_000_000);
        Price max = later.routes().lookup("mixed").maxPrice();
        assertThat(max.inputMicrosPerMTok()).isEqualTo(3_000_000);
        assertThat(max.outputMicrosPerMTok()).isEqualTo(15_000_000);
        assertThat(max.cachedInputMicrosPerMTok()).isEqualTo(500_000);
        assertThat(later.unpricedDeployments()).containsExactly("mystery: openai/gpt-99", "half: openai/gpt-99");
        assertThat(later.pricing().size()).isEqualTo(3);
        // Prices are part of what the version covers.
        Files.writeString(dir.resolve("prices.yaml"), PRICES.replace("input: 2.00", "input: 2.10"));
        assertThat(ConfigLoader.parse(conf.toString(), CONF, Map.of(), dir, at("2025-07-01")).version())
                .isNotEqualTo(later.version());
        // Without a table, nothing is priced from one.
        GatewayConfig none = ConfigLoader.parse("t.yaml", CONF, Map.of(), null, at("2025-07-01"));
        assertThat(none.pricing()).isSameAs(PriceTable.EMPTY);
        assertThat(none.unpricedDeployments()).hasSize(7);
    }

    @Test
    void shouldReadANamedTableAndReportItsMistakesInItsOwnFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("list.yaml"), PRICES.replace("effective: 2025-06-10", "effective: June"));
        String conf = "pricing: list.yaml\n" + CONF;
        assertThatThrownBy(() -> ConfigLoader.parse("c.yaml", conf, Map.of(), dir, at("2025-07-01")))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.file()).isEqualTo(dir.resolve("list.yaml").toString());
                    assertThat(e.line()).isEqualTo(3);
                    assertThat(e.field()).isEqualTo("prices[1].effective");
                });
        assertThatThrownBy(() -> ConfigLoader.parse("c.yaml", "pricing: missing.yaml\n" + CONF, Map.of(), dir, 0))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.field()).isEqualTo("pricing"));
        assertThatThrownBy(() -> ConfigLoader.parsePrices("p.yaml", PRICES.replace("provider: openai, model: o3, "
                + "input: 2.00", "provider: azure, model: o3, input: 2.00")))
                .hasMessageContaining("p.yaml:3: prices[1].provider: 'azure'");
        assertThatThrownBy(() -> ConfigLoader.parsePrices("p.yaml", PRICES.replace("2025-06-10", "2025-04-16")))
                .hasMessageContaining("two prices effective 2025-04-16");
    }

    @Test
    void shouldShipAPriceForTheCommonModels() throws Exception {
        Path file = Path.of("../conf/prices.yaml");
        PriceTable t = ConfigLoader.parsePrices(file.toString(), Files.readString(file));
        LocalDate today = LocalDate.ofInstant(Instant.now(), java.time.ZoneOffset.UTC);
        for (String m : new String[] {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o3",
                "o4-mini", "text-embedding-3-small", "text-embedding-3-large"}) {
            assertThat(t.priceAt(ProviderKind.OPENAI, m, today)).as(m).isNotNull();
        }
        for (String m : new String[] {"claude-sonnet-4-20250514", "claude-opus-4-20250514",
                "claude-3-5-haiku-20241022", "claude-haiku-4-5-20251001", "claude-sonnet-4-5-20250929"}) {
            assertThat(t.priceAt(ProviderKind.ANTHROPIC, m, today)).as(m).isNotNull();
        }
        assertThat(t.priceAt(ProviderKind.OPENAI, "gpt-4o", today).inputMicrosPerMTok()).isEqualTo(2_500_000);
        assertThat(t.priceAt(ProviderKind.OPENAI, "o3", today).outputMicrosPerMTok()).isEqualTo(8_000_000);
        // The shipped configuration loads with the table beside it.
        GatewayConfig c = ConfigLoader.load(Path.of("../conf/sluice.yaml"), Map.of());
        assertThat(c.pricing().size()).isEqualTo(t.size());
    }
}
