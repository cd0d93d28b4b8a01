package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sluice.routing.config.KeyDigester;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import com.deque.html.axecore.results.CheckedNode;
import com.deque.html.axecore.results.Results;
import com.deque.html.axecore.results.Rule;
import com.deque.html.axecore.selenium.AxeBuilder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The web console in headless Chromium (Debian's {@code chromium} and {@code chromium-driver}) against a real
 * gateway after a workload of two teams: sign-in with the keyboard, the spend totals equal {@code sluice spend
 * --json}, a new request in the live tail and on its own page, a key created in the console that works and, revoked
 * there, is refused; a team admin sees its own team only (also by URL); a change without the CSRF token is refused.
 * A screenshot of each page is kept in {@code target/console-screenshots/} for review.
 */
class ConsoleSystemTest {
    private static final String ADMIN = "console-admin-token-0001";
    private static final String TEAM_B_ADMIN = "console-team-b-token-01";
    private static final String KEY_A = "sk-console-a-000000001";
    private static final String KEY_B = "sk-console-b-000000001";
    private static final Path SHOTS = Path.of("target", "console-screenshots");

    private TestGateway gw;
    private WebDriver browser;
    private Path profile;
    private final List<String> violations = new ArrayList<>();
    private int auditedRules;
    private int auditedPages;

    @AfterEach
    void stop() throws Exception {
        try {
            if (browser != null) {
                browser.quit();
            }
        } finally {
            if (gw != null) {
                gw.close();
            }
            if (profile != null) {
                TempDirs.deleteRecursively(profile);
            }
        }
    }

    @Test
    void aSignedInAdminSeesSpendTailKeysAndATeamAdminOnlyItsTeam() throws Exception {
        gw = TestGateway.startWith("server: {host: 127.0.0.1, port: 8080, admin_port: 8081}\n"
                + "mock_provider: {enabled: true}\n"
                + "admin: {token: " + ADMIN + "}\n"
                + "providers:\n  mock: {kind: openai, base_url: mock}\n"
                + "models:\n  demo: {provider: mock, model: mock-gpt, " + GovernanceSystemTest.PRICE + "}\n"
                + "teams:\n  a: {}\n  demo: {}\n  b: {admin_token_hash: \"sha256:" + KeyDigester.sha256Hex(TEAM_B_ADMIN)
                + "\"}\n"
                + "keys:\n" + GovernanceSystemTest.keyLine("ka", KEY_A, "").replace("team: t", "team: a")
                + GovernanceSystemTest.keyLine("kb", KEY_B, "").replace("team: t", "team: b")
                + GovernanceSystemTest.keyLine("kd", "sk-console-d-000000001", "agents: [demo-agent]")
                        .replace("team: t", "team: demo"));
        List<String> teamA = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            teamA.add(TestGateway.requestId(chat(KEY_A, 10 + i)));
        }
        for (int i = 0; i < 5; i++) {
            chat(KEY_B, 20 + i);
        }
        Files.createDirectories(SHOTS);
        profile = Files.createTempDirectory("sluice-chromium");
        browser = chromium(profile);
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        // Pages are drawn again when their data comes: an element found a moment before may be gone.
        wait.ignoring(StaleElementReferenceException.class);
        String console = "http://127.0.0.1:" + gw.gateway().adminPort() + "/console/";

        // Sign in with the keyboard: the token, then Enter.
        browser.get(console);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
        assertThat(browser.findElement(By.id("nav")).isDisplayed()).as("no navigation before sign-in").isFalse();
        shot("sign-in");
        browser.switchTo().activeElement().sendKeys(ADMIN, Keys.ENTER);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("nav")));
        assertThat(browser.findElement(By.id("who")).getText()).isEqualTo("admin");
        assertThat(browser.manage().getCookieNamed("sluice_console").isHttpOnly()).isTrue();

        // The keyboard alone reaches the skip link, every page, sign-out and the page's controls, in that order.
        browser.navigate().refresh(); // focus from the document's start; the session stays
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("spend")));
        List<String> reached = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            new Actions(browser).sendKeys(Keys.TAB).perform();
            reached.add((String) ((JavascriptExecutor) browser).executeScript(
                    "const e = document.activeElement; return e.id || e.getAttribute('href') || e.tagName;"));
        }
        assertThat(reached).as("focus order").containsSubsequence("#main", "#/spend", "#/tail", "#/keys",
                "#/latency", "#/agents", "#/evals", "sign-out", "spend-by", "spend-since");

        // Spend: the console's totals are sluice spend's, for each grouping.
        for (String by : List.of("team", "key", "model")) {
            new Select(wait.until(ExpectedConditions.elementToBeClickable(By.id("spend-by")))).selectByValue(by);
            wait.until(ExpectedConditions.attributeToBe(By.id("spend"), "data-by", by));
            JsonNode cli = SpendSystemTest.spend(gw.dataDir(), by);
            WebElement total = browser.findElement(By.id("spend-total"));
            assertThat(Long.parseLong(total.getAttribute("data-cost-micros"))).as(by)
                    .isEqualTo(cli.path("total").path("cost_micros").asLong()).isPositive();
            for (JsonNode g : cli.path("groups")) {
                WebElement row = browser.findElement(By.cssSelector("#spend tr[data-key='" + g.path("key").asText()
                        + "']"));
                assertThat(Long.parseLong(row.getAttribute("data-cost-micros"))).as("%s %s", by, g.path("key"))
                        .isEqualTo(g.path("cost_micros").asLong());
            }
            if (by.equals("team")) {
                assertThat(browser.findElements(By.cssSelector("#spend-chart canvas"))).as("the chart").isNotEmpty();
                shot("spend");
            }
        }
        // A period is whole days in the gateway's zone: the last 7 days' totals are sluice spend --since <date>'s.
        Select period = new Select(browser.findElement(By.id("spend-since")));
        period.selectByVisibleText("last 7 days");
        String week = period.getFirstSelectedOption().getAttribute("value");
        assertThat(LocalDate.parse(week)).isBetween(LocalDate.now(ZoneOffset.UTC).minusDays(7),
                LocalDate.now(ZoneOffset.UTC).minusDays(6));
        wait.until(ExpectedConditions.attributeToBe(By.id("spend"), "data-since", week));
        JsonNode cliWeek = SpendSystemTest.spend(gw.dataDir(), "model", week);
        assertThat(Long.parseLong(browser.findElement(By.id("spend-total")).getAttribute("data-cost-micros")))
                .as("last 7 days").isEqualTo(cliWeek.path("total").path("cost_micros").asLong()).isPositive();

        // The live tail: a new request appears, and its page shows it.
        browser.get(console + "#/tail");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("tail-status"), "Following"));
        long sent = System.nanoTime();
        String fresh = TestGateway.requestId(chat(KEY_A, 7));
        // Looked for every 10 ms (a wait's default is every 500 ms), so that the figure is the tail's, not the test's.
        WebElement row = new WebDriverWait(browser, Duration.ofSeconds(20), Duration.ofMillis(10)).until(
                ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-request-id='" + fresh + "']")));
        double tailMs = (System.nanoTime() - sent) / 1e6;
        shot("tail");
        row.findElement(By.tagName("a")).sendKeys(Keys.ENTER);
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("page-title"), fresh));
        String fields = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("request-fields"))).getText();
        assertThat(fields).as("the request's fields").contains("demo").contains("ok").contains("team\na");
        assertThat(browser.findElement(By.id("request-json")).getAttribute("textContent")).as("the JSON, folded")
                .contains("\"request_id\": \"" + fresh + "\"");
        shot("request");

        // Keys: one created in the console works; revoked there, it is refused.
        browser.get(console + "#/keys");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("key-team"))).sendKeys("a");
        browser.findElement(By.id("key-models")).sendKeys("demo");
        browser.findElement(By.id("key-create-button")).click();
        WebElement secret = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("new-secret")));
        String newSecret = secret.getText();
        String newId = secret.getAttribute("data-key-id");
        assertThat(newSecret).startsWith("sk-");
        assertThat(chat(newSecret, 3).statusCode()).isEqualTo(200);
        shot("keys");
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("button[data-rotate='" + newId + "']")))
                .click();
        wait.until(d -> !d.findElement(By.id("new-secret")).getText().equals(newSecret));
        String rotated = browser.findElement(By.id("new-secret")).getText();
        assertThat(chat(rotated, 3).statusCode()).as("the rotated secret").isEqualTo(200);
        assertThat(chat(newSecret, 3).statusCode()).as("the secret before rotation").isEqualTo(401);
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("button[data-revoke='" + newId + "']")))
                .click();
        wait.until(ExpectedConditions.attributeToBe(By.cssSelector("tr[data-key-id='" + newId + "']"), "data-state",
                "revoked"));
        assertThat(chat(rotated, 3).statusCode()).isEqualTo(401);

        // A change without the session's CSRF token is refused, with it accepted.
        Object noToken = ((JavascriptExecutor) browser).executeAsyncScript("const done = arguments[0];"
                + "fetch('/admin/keys', {method: 'POST', credentials: 'same-origin', headers: {'content-type': "
                + "'application/json'}, body: JSON.stringify({team: 'a'})}).then(r => done(r.status));");
        assertThat(((Number) noToken).intValue()).isEqualTo(403);
        browser.get(console + "#/latency");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("latency")));
        shot("latency");

        // Agents: a version promoted to a label from the console; the evaluation runs listed.
        browser.get(console + "#/agents");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-agent='demo-agent'] a")))
                .sendKeys(Keys.ENTER);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("promote-actor"))).sendKeys("demo");
        new Select(browser.findElement(By.id("promote-to"))).selectByValue("canary");
        browser.findElement(By.id("promote-button")).click();
        wait.until(ExpectedConditions.attributeContains(By.cssSelector("#agent-versions tbody tr"), "data-labels",
                "canary"));
        shot("agent");
        browser.get(console + "#/evals");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("evals")));
        shot("evals");

        // Sign out; the team b admin sees team b only, also when it asks for team a's request by URL.
        browser.findElement(By.id("sign-out")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token"))).sendKeys(TEAM_B_ADMIN, Keys.ENTER);
        wait.until(ExpectedConditions.textToBe(By.id("who"), "team:b"));
        browser.get(console + "#/spend");
        wait.until(ExpectedConditions.attributeToBe(By.id("spend"), "data-by", "team"));
        List<WebElement> groups = browser.findElements(By.cssSelector("#spend tbody tr"));
        assertThat(groups).extracting(g -> g.getAttribute("data-key")).containsExactly("b");
        long teamBCost = 0;
        for (JsonNode g : SpendSystemTest.spend(gw.dataDir(), "team").path("groups")) {
            if (g.path("key").asText().equals("b")) {
                teamBCost = g.path("cost_micros").asLong();
            }
        }
        assertThat(Long.parseLong(browser.findElement(By.id("spend-total")).getAttribute("data-cost-micros")))
                .isEqualTo(teamBCost);
        shot("spend-team-b");
        assertThat(browser.findElement(By.cssSelector("a[href='#/latency']")).isDisplayed()).isFalse();
        browser.get(console + "#/requests/" + teamA.get(0));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#page .error")));
        shot("request-other-team");
        browser.get("http://127.0.0.1:" + gw.gateway().adminPort() + "/admin/requests/" + teamA.get(0));
        assertThat(browser.getPageSource()).contains("not_found");
        browser.get("http://127.0.0.1:" + gw.gateway().adminPort() + "/admin/routes");
        assertThat(browser.getPageSource()).contains("forbidden");

        assertThat(violations).as("accessibility violations").isEmpty();
        System.out.printf("console in headless Chromium: spend totals equal sluice spend --json for team, key and "
                + "model; a new request in the live tail after %.0f ms (reported, not asserted); a console-made key "
                + "served 200, its rotated secret 200 and the old one 401, then 401 once revoked; demo-agent promoted "
                + "to canary; a change without the CSRF token: 403; team admin b saw only "
                + "team b and not team a's request; Tab alone reached the skip link, 6 pages, sign-out and the spend controls in order; axe-core on %d pages: %d rule checks passed, 0 violations; "
                + "screenshots in %s%n", tailMs, auditedPages, auditedRules, SHOTS.toAbsolutePath());
    }

    private HttpResponse<String> chat(String key, int tokens) {
        return gw.post(key, "/v1/chat/completions", "{\"model\":\"demo\",\"max_tokens\":50,\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"hello [[mock tokens=" + tokens + "]]\"}]}");
    }

    /** A screenshot of the page, and its accessibility audit (axe-core, WCAG 2 A and AA rules). */
    private void shot(String name) throws Exception {
        Files.write(SHOTS.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        Results audit = new AxeBuilder().withTags(List.of("wcag2a", "wcag2aa", "wcag21a", "wcag21aa"))
                .analyze(browser);
        assertThat(audit.isErrored()).as("axe ran on %s", name).isFalse();
        for (Rule r : audit.getViolations()) {
            StringBuilder where = new StringBuilder();
            for (CheckedNode n : r.getNodes()) {
                where.append(' ').append(n.getTarget());
            }
            violations.add(name + ": " + r.getId() + " (" + r.getImpact() + ") " + r.getHelp() + " at" + where);
        }
        auditedRules += audit.getPasses().size();
        auditedPages++;
    }

    /** Headless Chromium from Debian's packages, with its own empty profile and no traffic of its own. */
    private static WebDriver chromium(Path profile) {
        ChromeOptions o = new ChromeOptions();
        o.setBinary("/usr/bin/chromium");
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-quic", "--window-size=1280,900", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        return new ChromeDriver(service, o);
    }
}
