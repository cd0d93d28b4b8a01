package dev.sluice.routing.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The digest of a presented key is the SHA-256 of exactly its characters, whatever its length and position. */
class KeyDigesterTest {
    @Test
    void shouldDigestExactlyTheKeysCharactersAtAnyLength() {
        KeyDigester d = new KeyDigester();
        Random random = new Random(16);
        for (int n = 0; n <= 300; n++) {
            StringBuilder key = new StringBuilder("Bearer ");
            for (int i = 0; i < n; i++) {
                key.append((char) ('!' + random.nextInt(94)));
            }
            String header = key.append(" trailing").toString();
            String secret = header.substring(7, 7 + n);
            byte[] got = d.digest(header, 7, 7 + n);
            assertThat(HexFormat.of().formatHex(got)).as("%d characters", n)
                    .isEqualTo(KeyDigester.sha256Hex(secret));
        }
    }
}
